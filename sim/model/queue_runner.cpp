// Queue runs (queue_runner.hpp): the MTA's queue of deferred mail, the runs
// that take its messages one at a time, Exim's connection passing and
// Sendmail's connection cache.
#include <algorithm>
#include <cmath>

#include "model/world_impl.hpp"
#include "mta/phase.hpp"
#include "util/random.hpp"

namespace mxsim::model {
namespace {

constexpr std::uint64_t kNoId = ~std::uint64_t{0};  // a placeholder slot's id

}  // namespace

MtaQueue& World::Impl::mta_queue(std::uint32_t mta) {
  if (mta_queues.size() < mtas.size()) mta_queues.resize(mtas.size());
  return mta_queues[mta];
}

// Still in this MTA's queue (deferred there and not ended since).
bool World::Impl::in_queue(const QueueEntry& e, std::uint32_t mta) const {
  const auto& m = slab[e.slot];
  return m.id == e.id && m.queued && m.mta == mta;
}

// In the queue and not held by a process: no attempt of it is in progress.
bool World::Impl::deliverable(const QueueEntry& e, std::uint32_t mta) const {
  return in_queue(e, mta) && slab[e.slot].waiting_retry;
}

// A message of a queue-run profile was deferred: it waits in its MTA's queue
// and, for Exim, in the wait lists of the hosts of its MX set
// (transport.c transport_update_waiting adds it to the record of every host
// in its list when a delivery of it defers).
void World::Impl::enqueue(std::uint32_t slot, double now) {
  auto& m = slab[slot];
  auto& q = mta_queue(m.mta);
  const QueueEntry entry{.slot = slot, .id = m.id};
  if (!m.queued) {
    m.queued = true;
    q.spool.push_back(entry);
  }
  if (groups[m.group].profile.connection_reuse && !m.wait_listed && !m.targets.empty()) {
    m.wait_listed = true;
    for (const auto& t : m.targets) {
      auto it = std::find_if(q.waiting.begin(), q.waiting.end(), [&](const auto& w) { return w.first == t.address; });
      if (it == q.waiting.end()) {
        q.waiting.emplace_back(t.address, std::vector<QueueEntry>{});
        it = q.waiting.end() - 1;
      }
      if (it->second.empty() || it->second.back().id != m.id) it->second.push_back(entry);
    }
  }
  arm_queue_run(m.mta, now);
}

// The MTA's next queue-run tick, on its own grid (mta/phase.hpp), while it
// has mail queued.
void World::Impl::arm_queue_run(std::uint32_t mta, double now) {
  auto& q = mta_queue(mta);
  if (q.armed) return;
  q.armed = true;
  const auto& profile = groups[mtas[mta].group].profile;
  queue.push_runner(mta::tick_after(now, mtas[mta].phase, mta::timer_period(profile)), EventKind::queue_run, mta);
}

// The -q timer went off. Exim (daemon.c daemon_qrun): one runner starts
// unless queue_run_max are running. Sendmail (queue.c runqueue): a run
// starts at every interval; MaxQueueChildren, unset in the stock
// configuration, would limit them (queue_run_max 0 here).
void World::Impl::queue_run(std::uint32_t mta, double now) {
  auto& q = mta_queue(mta);
  q.armed = false;
  // Entries of messages that left the queue go (bounded by what is queued).
  std::erase_if(q.spool, [&](const QueueEntry& e) { return !in_queue(e, mta); });
  for (auto& [server, list] : q.waiting)
    std::erase_if(list, [&](const QueueEntry& e) { return !in_queue(e, mta); });
  std::erase_if(q.waiting, [](const auto& w) { return w.second.empty(); });
  if (q.spool.empty()) return;
  arm_queue_run(mta, now);
  const auto& profile = groups[mtas[mta].group].profile;
  if (profile.queue_run_max > 0 && q.running >= static_cast<std::uint32_t>(profile.queue_run_max)) return;
  std::uint32_t r = 0;
  if (!free_runners.empty()) {
    r = free_runners.back();
    free_runners.pop_back();
  } else {
    r = static_cast<std::uint32_t>(runners.size());
    runners.emplace_back();
  }
  auto& run = runners[r];
  const double period = mta::timer_period(profile);
  run.mta = mta;
  // The run of tick k is process 1 + k (sender.hpp, kArrivalProcess).
  run.process = 1 + static_cast<std::uint64_t>(std::llround((now - mtas[mta].phase) / period));
  run.list = q.spool;
  run.next = 0;
  run.cache.clear();
  if (profile.retry == mta::RetryRule::queue_run) {
    // Sendmail's QueueSortOrder=priority (the default): a message's priority
    // grows by RetryFactor with each delivery attempt (queue.c), so the
    // least-tried come first; among equals, the older first.
    std::stable_sort(run.list.begin(), run.list.end(), [&](const QueueEntry& a, const QueueEntry& b) {
      const int fa = slab[a.slot].retry.failures, fb = slab[b.slot].retry.failures;
      return fa != fb ? fa < fb : a.id < b.id;
    });
  } else {
    // Exim: queue_get_spool_list randomises the order unless
    // queue_run_in_order; a stream of its own per run keeps runs reproducible.
    auto rng = util::Rng::derive(mtas[mta].seed, util::stable_hash("queue-run"), run.process);
    for (std::size_t i = run.list.size(); i > 1; --i)
      std::swap(run.list[i - 1], run.list[rng.below(static_cast<std::uint32_t>(i))]);
  }
  ++q.running;
  queue.push_runner(now, EventKind::runner_step, r);
}

// The run takes its next message that is still queued and not held by
// another process; a run that has none left ends.
void World::Impl::runner_step(std::uint32_t r, double now) {
  auto& run = runners[r];
  while (run.next < run.list.size()) {
    const auto e = run.list[run.next++];
    if (!deliverable(e, run.mta)) continue;
    auto& m = slab[e.slot];
    m.runner = r;
    m.process = run.process;
    return attempt(e.slot, now);
  }
  end_runner(r, now);
}

// Sendmail closes its cached connections when the run's process exits.
void World::Impl::end_runner(std::uint32_t r, double now) {
  auto& run = runners[r];
  for (const auto& c : run.cache) close_cached(c, now);
  run.cache.clear();
  std::vector<QueueEntry>().swap(run.list);
  --mta_queue(run.mta).running;
  free_runners.push_back(r);
}

// A delivery of a queue-run profile's message ended (delivered, bounced,
// deferred, or handed to a relay: `leaves` when it leaves the queue). A
// connection it kept goes to the next message (Exim) or the run's cache
// (Sendmail); then the run, if it was one of its messages, takes the next.
void World::Impl::runner_message_ended(std::uint32_t slot, double now, bool leaves) {
  auto& m = slab[slot];
  const auto& profile = groups[m.group].profile;
  if (!profile.queue_runners) return;
  const auto r = m.runner;
  m.runner = kNoRunner;
  if (leaves) {
    m.queued = false;
    m.wait_listed = false;
  }
  bool passed = false;
  if (m.connection_open && m.kept_server == kNoServer) {
    if (profile.connection_reuse)
      passed = run_pass_connection(slot, r, now);
    else if (r != kNoRunner)
      run_cache_connection(slot, r, now);
    if (slab[slot].connection_open) release_session(slot, slab[slot].session.server, now);
  }
  if (r != kNoRunner && !passed) queue.push_runner(now, EventKind::runner_step, r);
}

// May this delivery keep its session after its message? Exim: while another
// message waits for the host and the connection has carried fewer than
// connection_max_messages (transport.c transport_check_waiting compares the
// continue sequence with it). Sendmail: a queue run caches it.
bool World::Impl::runner_keeps(std::uint32_t slot, double) {
  const auto& m = slab[slot];
  const auto& profile = groups[m.group].profile;
  if (profile.connection_reuse) {
    if (profile.connection_max_messages > 0 &&
        m.connection_messages >= static_cast<std::uint32_t>(profile.connection_max_messages))
      return false;
    for (const auto& [server, list] : mta_queue(m.mta).waiting)
      if (server == m.session.server)
        return std::any_of(list.begin(), list.end(), [&](const QueueEntry& e) { return deliverable(e, m.mta); });
    return false;
  }
  return m.runner != kNoRunner && profile.connection_cache_size > 0;
}

// Exim: the first message in the host's wait list that no process holds
// gets the open connection (transport_check_waiting takes the first
// acceptable id; transport_do_pass_socket execs its delivery with -MC). Its
// delivery belongs to the same run: queue.c waits on a pipe until every
// process a delivery passed its connection to has ended.
bool World::Impl::run_pass_connection(std::uint32_t slot, std::uint32_t r, double now) {
  const auto mta = slab[slot].mta;
  const auto s = slab[slot].session.server;
  auto& q = mta_queue(mta);
  for (auto& [server, list] : q.waiting) {
    if (server != s) continue;
    std::size_t k = 0;
    while (k < list.size() && !deliverable(list[k], mta)) ++k;
    if (k == list.size()) return false;
    const auto next = list[k].slot;
    const auto end = std::remove_if(list.begin(), list.begin() + static_cast<std::ptrdiff_t>(k) + 1,
                                    [&](const QueueEntry& e) { return e.slot == next || !in_queue(e, mta); });
    list.erase(end, list.begin() + static_cast<std::ptrdiff_t>(k) + 1);
    auto& n = slab[next];
    hand_over(slot, next);
    n.runner = r;
    n.process = slab[slot].process;
    n.waiting_retry = false;  // held by this chain from now on
    observer->retry_started(now);
    queue.push_message(now, EventKind::attempt, next, n.token);
    return true;
  }
  return false;
}

// Sendmail: the run keeps the connection, idle, for a later message to the
// same host. Caching it first closes the ones idle too long, then the least
// recently used beyond ConnectionCacheSize (mci.c mci_cache, mci_scan).
void World::Impl::run_cache_connection(std::uint32_t slot, std::uint32_t r, double now) {
  const auto& profile = groups[slab[slot].group].profile;
  {
    auto& run_cache = runners[r].cache;
    std::erase_if(run_cache, [&](const CachedConnection& c) {
      if (now - c.last_use < profile.connection_cache_timeout) return false;
      close_cached(c, now);
      return true;
    });
  }
  const auto holder = slab.allocate();  // may move the slab: no references across it
  ++cached_connections;
  auto& h = slab[holder];
  ++h.token;
  h.id = kNoId;
  h.queued = false;
  h.wait_listed = false;
  h.waiting_retry = false;
  h.holds_delivery = false;
  h.runner = kNoRunner;
  h.group = slab[slot].group;
  h.mta = slab[slot].mta;
  h.session.server = slab[slot].session.server;
  hand_over(slot, holder);
  auto& run_cache = runners[r].cache;
  run_cache.push_back({.holder = holder, .server = slab[holder].session.server, .last_use = now});
  while (run_cache.size() > static_cast<std::size_t>(profile.connection_cache_size)) {
    close_cached(run_cache.front(), now);
    run_cache.erase(run_cache.begin());
  }
}

// The connection closes (QUIT) unless the server's crash closed it already;
// the placeholder slot is freed.
void World::Impl::close_cached(const CachedConnection& c, double now) {
  if (slab[c.holder].kept_server == c.server) release_session(c.holder, c.server, now);
  ++slab[c.holder].token;
  slab.release(c.holder);
  --cached_connections;
}

// Sendmail: a message of a run about to connect to `s` uses the run's cached
// connection to it instead, unless it sat idle ConnectionCacheTimeout or
// longer (mci.c mci_get; the RSET probe is in kept_round_trips).
bool World::Impl::take_cached(std::uint32_t slot, std::uint32_t s, double now) {
  const auto r = slab[slot].runner;
  if (r == kNoRunner) return false;
  auto& run_cache = runners[r].cache;
  const auto it =
      std::find_if(run_cache.begin(), run_cache.end(), [s](const CachedConnection& c) { return c.server == s; });
  if (it == run_cache.end()) return false;
  const auto c = *it;
  run_cache.erase(it);
  const auto& profile = groups[slab[slot].group].profile;
  if (slab[c.holder].kept_server != s || now - c.last_use >= profile.connection_cache_timeout) {
    close_cached(c, now);
    return false;
  }
  hand_over(c.holder, slot);
  slab[c.holder].kept_server = kNoServer;  // the slot goes back to the slab clean
  ++slab[c.holder].token;
  slab.release(c.holder);
  --cached_connections;
  return true;
}

}  // namespace mxsim::model
