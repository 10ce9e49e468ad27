// A message's journey and the event loop that drives it: arrive, resolve,
// order, connect, session, defer, retry, bounce. Every connection ends in
// attempt_ended; every message ends in end_message.
#include <algorithm>
#include <cmath>

#include "model/world_impl.hpp"
#include "mta/exim_retry.hpp"
#include "scenario/text.hpp"
#include "mta/phase.hpp"
#include "util/random.hpp"

namespace mxsim::model {

using scenario::strip_dot;

void World::Impl::run_until(double t) {
  Event e;
  while (!finished() && queue.pop_until(t, e)) dispatch(e);
  while (!engine_times.empty() && engine_times.top() <= t) engine_times.pop();
}

void World::Impl::dispatch(const Event& e) {
  switch (e.kind) {
    case EventKind::arrival: arrive(e.group, e.time); break;
    case EventKind::attempt:
      if (slab.current(e.slot, e.token)) attempt(e.slot, e.time);
      break;
    case EventKind::retry: attempt(unpark(e.slot), e.time); break;
    case EventKind::connect_failed:
      if (slab.current(e.slot, e.token)) connect_failed(e.slot, e.server, e.outcome, e.time);
      break;
    case EventKind::session_done:
      if (slab.current(e.slot, e.token)) session_done(e.slot, e.server, e.time);
      break;
    case EventKind::backlog_timeout:
      if (slab.current(e.slot, e.token)) backlog_timeout(e.slot, e.server, e.time);
      break;
    case EventKind::fault_start: fault_start(e.fault, e.time); break;
    case EventKind::fault_end: fault_end(e.fault, e.time); break;
    case EventKind::server_state: server_state(e.server, e.up, e.time); break;
    case EventKind::attempt_ready:
      if (slab.current(e.slot, e.token)) try_next(e.slot, e.time);
      break;
    case EventKind::session_data:
      if (slab.current(e.slot, e.token)) {
        auto& session = slab[e.slot].session;
        follow(e.slot, e.server, sessions.data(session, session_request(e.slot, e.server), e.time), e.time);
      }
      break;
    case EventKind::activity_end:
      if (slab.current(e.slot, e.token)) {
        auto& session = slab[e.slot].session;
        follow(e.slot, e.server, sessions.activity_end(session, session_request(e.slot, e.server), e.ok, e.time),
               e.time);
      }
      break;
    case EventKind::idle_end:
      if (slab.current(e.slot, e.token)) release_session(e.slot, e.server, e.time);
      break;
    case EventKind::relay_wake: relay_wake({e.slot, e.server}, e.time); break;
    case EventKind::queue_run: queue_run(e.mta, e.time); break;
    case EventKind::runner_step: runner_step(e.runner, e.time); break;
  }
}

void World::Impl::schedule_arrival(std::uint32_t g, double now) {
  auto& group = groups[g];
  const double next = now + group.arrivals.exponential(1.0 / group.rate);
  if (next < scenario.duration) {
    queue.push_arrival(next, g);
  } else {
    --arrivals_open;
  }
}

void World::Impl::end_message(std::uint32_t slot, double now) {
  ++slab[slot].token;  // any event still queued for this slot is now stale
  runner_message_ended(slot, now, true);
  release_delivery(slot, now);
  slab.release(slot);
}

// A delivery attempt ended: its feedback moves the destination's window,
// then the waiting messages of that MTA and destination take the places the
// window has, the first over the connection this one kept, if it kept one.
void World::Impl::release_delivery(std::uint32_t slot, double now) {
  auto& m = slab[slot];
  if (!m.holds_delivery) return;
  m.holds_delivery = false;
  const auto& profile = groups[m.group].profile;
  auto& dest = mtas[m.mta].destination(m.domain, profile);
  if (dest.window.dead() && now >= dest.dead_until) dest.window.revive(profile, dest.active);
  bool died = false;
  if (m.feedback == Feedback::success) dest.window.success(profile, dest.active);
  if (m.feedback == Feedback::site_failure) died = dest.window.failure(profile);
  m.feedback = Feedback::none;
  // qmgr_queue_throttle: a dead destination's timer revives it after minimal_backoff_time.
  if (died) dest.dead_until = now + profile.min_backoff;
  dest.leave(now);
  while (const auto next = dest.next()) {
    auto& n = slab[*next];
    n.holds_delivery = true;
    n.store_connection = dest.select_caching(now);
    if (m.connection_open) hand_over(slot, *next);
    queue.push_message(now, EventKind::attempt, *next, n.token);
  }
  if (m.connection_open) release_session(slot, m.session.server, now);
  // qmgr_defer_todo: the mail waiting for a destination just declared dead is deferred.
  while (died && !dest.waiting.empty()) {
    const auto waiting = dest.waiting.front();
    dest.waiting.pop_front();
    defer(waiting, now);
  }
}

// The connection `from` kept goes to `to`, whose attempt starts on it; the
// server's session stays busy between the two messages.
void World::Impl::hand_over(std::uint32_t from, std::uint32_t to) {
  auto& a = slab[from];
  auto& b = slab[to];
  servers[a.session.server].active[a.active_pos] = to;
  b.active_pos = a.active_pos;
  b.kept_server = a.session.server;
  b.connection_open = true;
  b.connection_messages = a.connection_messages;
  b.connection_opened = a.connection_opened;
  a.connection_open = false;
}

// Postfix keeps a finished session for the next delivery when the queue
// manager asked for it (on-demand caching), the destination has mail waiting
// and the connection is young enough (smtp_connection_reuse_time_limit,
// counted from its connect) and has not carried its most messages.
bool World::Impl::keeps_connection(std::uint32_t slot, double now) {
  const auto& m = slab[slot];
  const auto& profile = groups[m.group].profile;
  if (profile.queue_runners) return runner_keeps(slot, now);  // queue_runner.cpp
  if (!profile.connection_reuse || !m.store_connection || !m.holds_delivery) return false;
  if (profile.connection_max_messages > 0 &&
      m.connection_messages >= static_cast<std::uint32_t>(profile.connection_max_messages))
    return false;
  if (now - m.connection_opened >= profile.connection_reuse_time) return false;
  return !mtas[m.mta].destination(m.domain, profile).waiting.empty();
}

// A connection kept for this attempt that it will not use closes.
void World::Impl::drop_kept_connection(std::uint32_t slot, double now) {
  const auto s = slab[slot].kept_server;
  if (s != kNoServer) release_session(slot, s, now);
}

void World::Impl::close_connection(std::uint32_t slot, std::uint32_t s, double now) {
  auto& m = slab[slot];
  if (!m.connection_open) return;
  m.connection_open = false;
  observer->connection_closed(now, s, m.connection_messages);
  if (m.limited) connection_gone(slot, s, now);
}

void World::Impl::arrive(std::uint32_t g, double now) {
  auto& group = groups[g];
  const auto slot = slab.allocate();
  auto& m = slab[slot];
  m.group = g;
  m.origin_group = g;
  m.mta = group.first_mta + group.arrivals.below(group.mtas);
  const double pick = group.arrivals.uniform();
  const auto it = std::upper_bound(group.cumulative_weight.begin(), group.cumulative_weight.end(), pick);
  m.domain = group.domains[std::min<std::size_t>(static_cast<std::size_t>(it - group.cumulative_weight.begin()),
                                                 group.domains.size() - 1)];
  m.id = next_message_id++;
  m.submitted = now;
  m.retry = mta::RetryState{.submitted = now};
  m.first_hop_done = false;
  m.waiting_retry = false;
  m.holds_delivery = false;
  m.process = kArrivalProcess | m.id;  // delivered at once by a process of its own
  m.runner = kNoRunner;
  m.queued = false;
  m.wait_listed = false;
  m.bytes = group.size ? draw(*group.size, group.sizes) : 0;
  ++submitted;
  observer->submitted(now);
  schedule_arrival(g, now);
  attempt(slot, now);
}

void World::Impl::attempt(std::uint32_t slot, double now) {
  auto& m = slab[slot];
  ++m.token;
  m.targets.clear();  // until this attempt's resolution
  if (m.waiting_retry) {
    m.waiting_retry = false;
    observer->retry_started(now);
  }
  auto& mta = mtas[m.mta];
  const auto& group = groups[m.group];
  auto& dest = mta.destination(m.domain, group.profile);
  m.reused_server = kNoServer;
  if (!m.holds_delivery) {
    // Postfix: mail for a dead destination is deferred without a try
    // (qmgr_message.c) until the destination's timer revives it.
    if (dest.window.dead()) {
      if (now < dest.dead_until) {
        m.feedback = Feedback::none;
        return defer(slot, now);
      }
      dest.window.revive(group.profile, dest.active);
    }
    if (!dest.enter(slot)) return;  // waits for a delivery to end
    m.holds_delivery = true;
    m.store_connection = dest.select_caching(now);
  }
  m.feedback = Feedback::success;  // until a site failure says otherwise
  warm(mta.resolver);
  auto& resolver = resolvers[mta.resolver];
  const auto queries = resolver.queries();
  const auto& r = resolver.resolve_mx(m.domain, now, faults.servfail_set());
  for (auto name : r.cname_followed)
    if (cname_warned.insert(name).second)
      warnings.push_back(strip_dot(db.name(name)) +
                         " is a CNAME (RFC 2181 §10.3 forbids an MX target alias); followed");
  switch (r.status) {
    case dns::Status::nxdomain:
    case dns::Status::no_route: return bounce(slot, BounceReason::nxdomain, now);
    case dns::Status::null_mx: return bounce(slot, BounceReason::null_mx, now);
    case dns::Status::servfail:
    case dns::Status::no_address:
      m.feedback = Feedback::site_failure;
      return defer(slot, now);
    case dns::Status::ok: break;
  }
  m.targets.assign(r.targets.begin(), r.targets.end());
  mta.drop_self_and_worse(m.targets);
  if (m.targets.empty()) return bounce(slot, BounceReason::loops_to_self, now);
  if (group.profile.memory == mta::HostMemory::host_status)
    mta.policy->begin_process(util::Rng::derive(mta.seed, m.process).next());
  mta.order(m.targets, group.profile, now, m.order);
  m.cursor = 0;
  m.sessions_used = 0;
  m.connections = 0;
  m.host_failures = 0;
  m.skipped = 0;
  m.skipped_expired = 0;
  m.timed_out = 0;
  // Queries that missed the cache delay the first connection.
  if (group.dns_latency > 0 && resolver.queries() != queries)
    return queue.push_message(now + group.dns_latency, EventKind::attempt_ready, slot, m.token);
  try_next(slot, now);
}

void World::Impl::try_next(std::uint32_t slot, double now) {
  auto& m = slab[slot];
  const auto& mta = mtas[m.mta];
  const auto& profile = groups[m.group].profile;
  // smtp_reuse_session: a connection kept for this message is tried before any new one.
  if (m.kept_server != kNoServer) return reuse_session(slot, m.kept_server, now);
  // An idle connection to the destination (connection_cache.cpp) comes before a new one.
  if (m.cursor == 0 && m.reused_server == kNoServer && take_idle_connection(slot, now)) return;
  while (m.cursor < m.order.size()) {
    if (profile.session_limit > 0 && m.sessions_used >= static_cast<std::uint32_t>(profile.session_limit)) break;
    const auto server = m.targets[m.order[m.cursor++]].address;
    if (server == m.reused_server) continue;  // smtp_scrub_addr_list: tried over its kept connection
    if (profile.memory == mta::HostMemory::retry_records && server < mta.hosts.size() && mta.hosts[server].exim) {
      // Exim: a host whose retry time has not come is skipped without a try.
      auto& host = mtas[m.mta].hosts[server];
      const auto status = mta::host_status(host.exim, now, m.retry.submitted);
      if (status != mta::HostStatus::usable) {
        ++m.skipped;
        if (status == mta::HostStatus::unusable_expired) ++m.skipped_expired;
        continue;
      }
      // Its retry time has come: one delivery tries it, the others wait for
      // the record that try writes (sender.hpp, HostRecord::probe).
      if (host.probe != HostRecord::kNoProbe) {
        --m.cursor;
        host.waiting.emplace_back(slot, m.token);
        return;
      }
      host.probe = slot;
    } else if (mta.skips(server, now, m.process,
                         profile.memory != mta::HostMemory::host_status || profile.host_status_directory)) {
      continue;  // host memory: not tried until its time
    }
    if (mta::limits_connections(profile)) return limited_connect(slot, server, now);
    if (take_cached(slot, server, now)) return reuse_session(slot, server, now);  // Sendmail's run cache
    return connect(slot, server, now);
  }
  all_failed(slot, now);
}

// No address accepted the message in this attempt.
void World::Impl::all_failed(std::uint32_t slot, double now) {
  auto& m = slab[slot];
  const auto& profile = groups[m.group].profile;
  if (profile.memory == mta::HostMemory::retry_records &&
      mta::exim_verdict({.tried = static_cast<int>(m.host_failures),
                         .tried_timed_out = m.timed_out,
                         .skipped = m.skipped,
                         .skipped_expired = m.skipped_expired}) == mta::EximVerdict::bounce)
    return bounce(slot, BounceReason::expired, now);
  defer(slot, now);
}

void World::Impl::connect(std::uint32_t slot, std::uint32_t s, double now) {
  auto& m = slab[slot];
  auto& server = servers[s];
  observer->connection(now, s);
  m.attempt_start = now;
  m.connection_open = true;
  m.connection_messages = 0;
  m.connection_opened = now;
  ++m.connections;
  mtas[m.mta].connecting(s, now);
  const auto answer = server.answer(caller(slot, s), now);
  switch (answer.kind) {
    case Answer::Kind::fail:
      if (answer.used_session) ++m.sessions_used;
      return queue.push_failure(answer.at, slot, m.token, s, answer.outcome);
    case Answer::Kind::session: return start_session(slot, s, now);
    case Answer::Kind::backlog:
      server.wait_in_backlog(slot, m.token, answer.at);
      return queue.push_message(answer.at, EventKind::backlog_timeout, slot, m.token, s);
  }
}

Caller World::Impl::caller(std::uint32_t slot, std::uint32_t s) {
  const auto& m = slab[slot];
  const auto& group = groups[m.group];
  return {.profile = &group.profile,
          .rtt = group.rtt[s],
          .route_up = !shared || sessions.reachable(m.group, s),
          .message = m.id,
          .mta = m.mta,
          .domain = m.domain};
}

void World::Impl::start_session(std::uint32_t slot, std::uint32_t s, double now) {
  auto& m = slab[slot];
  auto& server = servers[s];
  m.active_pos = server.open_session(slot);
  observer->session_started(now, s);
  m.on_kept_connection = false;
  m.session = {.server = s, .processing = server.draw_processing(), .computing = false};
  follow(slot, s, sessions.start(m.session, session_request(slot, s), now), now);
}

// The next message over a connection its MTA kept: no connect, greeting or
// EHLO; the server still judges the message itself (greylisting, rejects).
void World::Impl::reuse_session(std::uint32_t slot, std::uint32_t s, double now) {
  auto& m = slab[slot];
  const auto& profile = groups[m.group].profile;
  m.kept_server = kNoServer;
  m.reused_server = s;
  m.attempt_start = now;
  ++m.connections;
  mtas[m.mta].connecting(s, now);
  const double rcpt = (profile.kept_round_trips - 1) * groups[m.group].rtt[s];
  const auto answer = servers[s].transaction(caller(slot, s), rcpt, now);
  if (answer.kind == Answer::Kind::fail) {
    // The message goes on to its other addresses; the connection closes.
    if (answer.used_session) ++m.sessions_used;
    release_session(slot, s, now);
    return queue.push_failure(answer.at, slot, m.token, s, answer.outcome);
  }
  m.on_kept_connection = true;
  m.session = {.server = s, .processing = servers[s].draw_processing(), .computing = false};
  follow(slot, s, sessions.start(m.session, session_request(slot, s), now), now);
}

SessionRequest World::Impl::session_request(std::uint32_t slot, std::uint32_t s) const {
  const auto& m = slab[slot];
  const auto& group = groups[m.group];
  const auto& spec = servers[s].spec;
  return {.ticket = (static_cast<Resources::Ticket>(slot) << 32) | m.token,
          .group = m.group,
          .server = s,
          .rtt = group.rtt[s],
          .round_trips = m.on_kept_connection ? group.profile.kept_round_trips : group.profile.round_trips,
          .work = spec.work.has_value(),
          .speed = spec.work ? spec.cpu->speed : 0.0,
          .bytes = m.bytes};
}

void World::Impl::follow(std::uint32_t slot, std::uint32_t s, SessionStep step, double now) {
  switch (step.kind) {
    case SessionStep::Kind::wait: return;
    case SessionStep::Kind::data:
      engine_times.push(step.at);
      return queue.push_message(step.at, EventKind::session_data, slot, slab[slot].token, s);
    case SessionStep::Kind::done:
      return queue.push_message(step.at, EventKind::session_done, slot, slab[slot].token, s);
    case SessionStep::Kind::failed: return session_failed(slot, s, now);
  }
}

// A transfer or the work failed (a link or host went down under it): the
// client hears nothing more and gives up after its command timeout.
void World::Impl::session_failed(std::uint32_t slot, std::uint32_t s, double now) {
  release_session(slot, s, now);
  auto& m = slab[slot];
  ++m.token;
  queue.push_failure(now + groups[m.group].profile.command_timeout, slot, m.token, s, Outcome::timeout);
}

// Frees the session `slot` held on server `s`, closing its connection;
// waiting connections take it.
void World::Impl::release_session(std::uint32_t slot, std::uint32_t s, double now) {
  auto& server = servers[s];
  const auto pos = slab[slot].active_pos;
  slab[server.close_session(pos)].active_pos = pos;
  observer->session_ended(now, s);
  close_connection(slot, s, now);
  slab[slot].kept_server = kNoServer;
  while (!server.backlog.empty() && server.session_free()) {
    const auto entry = server.backlog.front();
    server.backlog.pop_front();
    auto& waiting = slab[entry.slot];
    if (waiting.token != entry.token) continue;  // stale: it timed out
    --server.backlog_live;
    ++waiting.token;  // its backlog timeout is now stale
    start_session(entry.slot, s, now);
  }
  if (slab[slot].idle_holder) free_holder(slot);
}

// Every connection ends here: the observer hears of it, the MTA learns from it.
void World::Impl::attempt_ended(std::uint32_t slot, std::uint32_t s, Outcome outcome, double now) {
  auto& m = slab[slot];
  auto& mta = mtas[m.mta];
  observer->attempt_ended({.start = m.attempt_start,
                           .end = now,
                           .message = m.id,
                           .group = m.group,
                           .mta = mta.index,
                           .server = s,
                           .outcome = outcome});
  mta.connection_ended(s, outcome, m.attempt_start, now);
  if (host_failed(outcome)) ++m.host_failures;
  // The last server tried decides the delivery's feedback.
  m.feedback = host_failed(outcome) ? Feedback::site_failure : Feedback::success;
  if (mta.remember(s, outcome, groups[m.group].profile, servers.size(), m.process, m.retry.submitted, now))
    ++m.timed_out;
  if (s < mta.hosts.size() && mta.hosts[s].probe == slot) {
    // The try that others waited for has written its record: they look again.
    auto& host = mta.hosts[s];
    host.probe = HostRecord::kNoProbe;
    for (const auto& [waiter, token] : host.waiting)
      if (slab.current(waiter, token)) queue.push_message(now, EventKind::attempt_ready, waiter, token);
    host.waiting.clear();
  }
}

void World::Impl::session_done(std::uint32_t slot, std::uint32_t s, double now) {
  auto& m = slab[slot];
  ++m.connection_messages;
  // Else release_delivery hands it on, or it idles or goes to a waiting task (cache_connection).
  if (!keeps_connection(slot, now) && !cache_connection(slot, s, now)) release_session(slot, s, now);
  attempt_ended(slot, s, Outcome::accepted, now);
  const double latency = now - m.submitted;
  if (!m.first_hop_done) {
    m.first_hop_done = true;
    observer->first_hop(now, m.origin_group, latency);
  }
  if (servers[s].relay_mta >= 0) return hand_to_relay(slot, s, now);
  ++delivered;
  observer->delivered(now, m.origin_group, latency);
  end_message(slot, now);
}

// A backup MX accepted the message: it now queues and forwards it with its
// own profile, cache and host memory; delivery ends at a final server.
void World::Impl::hand_to_relay(std::uint32_t slot, std::uint32_t s, double now) {
  runner_message_ended(slot, now, true);
  release_delivery(slot, now);
  auto& m = slab[slot];
  const auto relay = static_cast<std::uint32_t>(servers[s].relay_mta);
  m.mta = relay;
  m.group = mtas[relay].group;
  m.retry = mta::RetryState{.submitted = now};
  m.process = kArrivalProcess | m.id;
  attempt(slot, now);
}

void World::Impl::backlog_timeout(std::uint32_t slot, std::uint32_t s, double now) {
  --servers[s].backlog_live;
  close_connection(slot, s, now);
  ++slab[slot].token;  // its backlog entry is now stale
  attempt_ended(slot, s, Outcome::timeout, now);
  try_next(slot, now);
}

void World::Impl::connect_failed(std::uint32_t slot, std::uint32_t s, Outcome outcome, double now) {
  close_connection(slot, s, now);  // unless a session closed it already
  attempt_ended(slot, s, outcome, now);
  if (outcome == Outcome::rejected && rejection_bounces(servers[s].spec, groups[slab[slot].group].profile))
    return bounce(slot, BounceReason::rejected, now);
  try_next(slot, now);
}

void World::Impl::defer(std::uint32_t slot, double now) {
  drop_kept_connection(slot, now);
  auto& m = slab[slot];
  const auto& profile = groups[m.group].profile;
  const auto& mta = mtas[m.mta];
  ++m.retry.failures;
  if (m.retry.first_failure < 0) m.retry.first_failure = now;
  // Exim gives up through its host retry records (all_failed); its message
  // lifetime only ends mail that never reached a host (DNS failures).
  const bool exim_hosts = profile.memory == mta::HostMemory::retry_records && m.host_failures + m.skipped > 0;
  if (!exim_hosts && mta::expired(profile, m.retry, now)) return bounce(slot, BounceReason::expired, now);
  ++m.token;
  m.waiting_retry = true;
  observer->deferred(now);
  if (profile.queue_runners) {  // it waits in its MTA's queue for a run (queue_runner.cpp)
    enqueue(slot, now);
    runner_message_ended(slot, now, false);
    return release_delivery(slot, now);
  }
  const double next = mta::next_retry(profile, m.retry, now, mta.phase);
  // Sendmail: the queue run that picks it up is a process of its own.
  const double period = mta::timer_period(profile);
  if (period > 0) m.process = 1 + static_cast<std::uint64_t>(std::llround((next - mta.phase) / period));
  const auto parked = waiting_slab.allocate();
  queue.push_message(next, EventKind::retry, parked, 0);
  release_delivery(slot, now);
  park(slot, parked);
}

void World::Impl::bounce(std::uint32_t slot, BounceReason reason, double now) {
  drop_kept_connection(slot, now);
  ++bounced;
  observer->bounced(now, reason);
  end_message(slot, now);
}

}  // namespace mxsim::model
