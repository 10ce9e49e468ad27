// The world's public face, its construction from a scenario, and the faults
// the model times: a server's state changes cut its sessions and backlog.
#include "model/world.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "model/world_impl.hpp"

namespace mxsim::model {

using scenario::Fault;

namespace {

Observer nobody;  // watches until World::observe() names someone

}  // namespace

World::Impl::Impl(const scenario::Scenario& s, RunOptions o, SessionModel& m)
    : scenario(s),
      options(o),
      sessions(m),
      db(scenario::build_zone(s)),
      topology(s, db),
      faults(s, db, topology),
      observer(&nobody),
      shared(m.shares_resources()) {
  if (shared != (s.engine.sessions == scenario::SessionKind::network))
    throw std::invalid_argument(shared ? "network session model for a scenario of round-trip sessions"
                                       : "network sessions need the engine's resources");
}

void World::Impl::fault_start(std::uint32_t index, double now) {
  if (finished()) return;  // periodic faults alone do not keep the run going
  const auto& e = faults.event(index);
  observer->fault_began(now, index);
  if (e.fault == Fault::zone_update) {
    db.apply_update(faults.update(index));
    return;
  }
  fault_change(index, +1, now);
  if (std::isfinite(e.length)) queue.push_fault(now + e.length, EventKind::fault_end, index);
  if (e.every) queue.push_fault(now + *e.every, EventKind::fault_start, index);
}

void World::Impl::fault_end(std::uint32_t index, double now) {
  observer->fault_ended(now, index);
  fault_change(index, -1, now);
}

void World::Impl::fault_change(std::uint32_t index, int delta, double now) {
  const auto& e = faults.event(index);
  if (e.fault == Fault::servfail) return faults.servfail(index, delta);
  for (auto s : faults.servers(index)) {
    auto& server = servers[s];
    if (e.fault == Fault::down) {
      // Only when the model times outages itself (no engine).
      server.downing += delta;
      server_state(s, server.downing == 0, now);
      continue;
    }
    server.apply_fault(e.fault, delta, e.factor);
  }
}

void World::Impl::server_state(std::uint32_t s, bool up, double now) {
  auto& server = servers[s];
  if (server.up == up) return;
  server.up = up;
  observer->server_state(now, s, up);
  if (up) return;
  // The host died: open sessions hang until the client's command timeout,
  // connections waiting in the backlog until their greeting deadline.
  while (!server.active.empty()) {
    const auto slot = server.active.back();
    // A connection kept for a message that has not used it yet just closes:
    // that message tries its addresses as usual.
    const bool unused = slab[slot].kept_server == s;
    release_session(slot, s, now);
    if (unused) continue;
    auto& m = slab[slot];
    ++m.token;
    queue.push_failure(now + groups[m.group].profile.command_timeout, slot, m.token, s, Outcome::timeout);
  }
  for (const auto& entry : server.backlog) {
    auto& m = slab[entry.slot];
    if (m.token != entry.token) continue;
    ++m.token;
    queue.push_failure(entry.deadline, entry.slot, m.token, s, Outcome::timeout);
  }
  server.backlog.clear();
  server.backlog_live = 0;
}

// A deferred message, once its delivery is released, keeps what its next
// attempt reads; any event still queued for its old slot is stale. Only
// messages that nothing but their retry event refers to are parked: a
// queue-run MTA's deferred mail stays in its slot (its queue, wait lists and
// runs name it by slot, queue_runner.hpp), and a parked message holds no
// connection, so the connection-cache fields (idle_holder, limited, source)
// and the queue-run ones (runner, queued, wait_listed) are not kept. The
// references that outlive the slot carry the token it had ((slot, token)
// pairs: relay tasks, backlog and Exim retry waiters) or the message id
// (queue entries); a slot's token only grows and ids are unique, so a slot
// reused meanwhile never passes for the message that left it.
void World::Impl::park(std::uint32_t slot, std::uint32_t parked) {
  auto& m = slab[slot];
  auto& w = waiting_slab[parked];
  w.submitted = m.submitted;
  w.retry_submitted = m.retry.submitted;
  w.first_failure = m.retry.first_failure;
  w.last_gap = m.retry.last_gap;
  w.failures = static_cast<std::uint32_t>(m.retry.failures) & 0x7fffffffU;
  w.bytes = m.bytes;
  w.id = m.id;
  w.process = m.process;
  w.origin_group = m.origin_group;
  w.mta = m.mta;
  w.domain = m.domain;
  w.first_hop_done = m.first_hop_done ? 1 : 0;
  ++m.token;
  slab.release(slot);
}

// Its retry is due: the message takes a full slot again.
std::uint32_t World::Impl::unpark(std::uint32_t parked) {
  const auto slot = slab.allocate();
  auto& m = slab[slot];
  const auto& w = waiting_slab[parked];
  m.submitted = w.submitted;
  m.retry = mta::RetryState{.submitted = w.retry_submitted,
                            .first_failure = w.first_failure,
                            .failures = static_cast<int>(w.failures),
                            .last_gap = w.last_gap};
  m.bytes = w.bytes;
  m.id = w.id;
  m.process = w.process;
  m.group = mtas[w.mta].group;
  m.origin_group = w.origin_group;
  m.mta = w.mta;
  m.domain = w.domain;
  m.first_hop_done = w.first_hop_done != 0;
  m.runner = kNoRunner;
  m.queued = false;
  m.wait_listed = false;
  m.waiting_retry = true;
  m.holds_delivery = false;
  m.feedback = Feedback::none;
  waiting_slab.release(parked);
  return slot;
}

World::World(const scenario::Scenario& scenario, RunOptions options, SessionModel& sessions)
    : impl_(std::make_unique<Impl>(scenario, options, sessions)) {
  auto& w = *impl_;
  w.build_servers();
  w.build_groups();
  w.schedule_faults();
  for (std::uint32_t g = 0; g < w.groups.size(); ++g) {
    if (w.groups[g].rate <= 0) continue;  // a relay's group
    ++w.arrivals_open;
    w.schedule_arrival(g, 0.0);
  }
  if (!w.shared) {
    const bool links = std::any_of(scenario.servers.begin(), scenario.servers.end(),
                                   [](const auto& s) { return s.uplink.has_value(); }) ||
                       std::any_of(scenario.senders.begin(), scenario.senders.end(),
                                   [](const auto& g) { return g.link.has_value() || g.size.has_value(); });
    if (links) w.warnings.emplace_back("uplink, link and size take effect only with engine: {sessions: network}");
  }
}

World::~World() = default;

void World::observe(Observer& observer) { impl_->observer = &observer; }

double World::next_time() const {
  if (impl_->finished() || impl_->queue.empty()) return kNever;
  return impl_->queue.top().time;
}

void World::run_until(double t) { impl_->run_until(t); }

double World::next_engine_time() const {
  return impl_->engine_times.empty() ? kNever : impl_->engine_times.top();
}

void World::set_server_state(std::uint32_t server, bool up, double t) { impl_->queue.push_server_state(t, server, up); }

void World::activity_done(Resources::Ticket ticket, bool ok, double t) {
  const auto slot = static_cast<std::uint32_t>(ticket >> 32);
  const auto token = static_cast<std::uint32_t>(ticket & 0xffffffffU);
  auto& w = *impl_;
  if (slot >= w.slab.size() || !w.slab.current(slot, token)) return;  // the session ended otherwise
  w.queue.push_activity_end(t, slot, token, w.slab[slot].session.server, ok);
}

const scenario::Scenario& World::scenario() const { return impl_->scenario; }
std::size_t World::server_count() const { return impl_->servers.size(); }
const std::string& World::server_host(std::uint32_t s) const { return impl_->topology.servers()[s].host; }
const std::string& World::server_address(std::uint32_t s) const { return impl_->topology.servers()[s].address; }
const scenario::ServerSpec& World::server_spec(std::uint32_t s) const { return impl_->servers[s].spec; }
const scenario::Topology& World::topology() const { return impl_->topology; }
std::size_t World::group_count() const { return impl_->groups.size(); }
const std::string& World::group_name(std::uint32_t g) const { return impl_->groups[g].name; }
const mta::Profile& World::group_profile(std::uint32_t g) const { return impl_->groups[g].profile; }
int World::group_relay_server(std::uint32_t g) const { return impl_->groups[g].relay_server; }
double World::group_rtt(std::uint32_t g, std::uint32_t s) const { return impl_->groups[g].rtt[s]; }
void World::set_round_trip(std::uint32_t g, std::uint32_t s, double rtt) { impl_->groups[g].rtt[s] = rtt; }

std::vector<const scenario::Event*> World::down_events(std::uint32_t server) const {
  return impl_->faults.down_events(server);
}

double World::time_bound() const {
  const auto& w = *impl_;
  if (w.scenario.horizon) return *w.scenario.horizon;
  // A message ends at its first failed attempt past its lifetime: at most
  // one retry gap after it; a day covers the timeouts of that last attempt.
  double longest = 0;
  for (const auto& g : w.groups) {
    const auto& p = g.profile;
    longest = std::max(longest, p.max_lifetime + std::max(p.retry_interval, p.max_backoff + p.queue_run_delay));
  }
  return w.scenario.duration + longest + 86400;
}

double World::horizon() const { return impl_->scenario.horizon.value_or(kNever); }
std::uint64_t World::submitted() const { return impl_->submitted; }
std::uint64_t World::delivered() const { return impl_->delivered; }
std::uint64_t World::bounced() const { return impl_->bounced; }
std::uint64_t World::in_flight() const { return impl_->in_flight(); }
std::uint64_t World::events() const { return impl_->queue.popped(); }
const std::vector<std::string>& World::warnings() const { return impl_->warnings; }

int World::concurrency_window(std::uint32_t group, std::uint32_t mta, std::string_view domain) const {
  const auto& w = *impl_;
  const auto name = w.db.find_name(domain);
  for (const auto& d : w.mtas[w.groups[group].first_mta + mta].destinations)
    if (d.domain == name) return d.window.dead() ? 0 : d.window.window();
  return -1;
}

double run_standalone(World& world) {
  double end = 0;
  for (double t = world.next_time(); t != World::kNever && t <= world.horizon(); t = world.next_time()) {
    world.run_until(t);
    end = t;
  }
  return end;
}

bool World::conserved() const {
  const auto& w = *impl_;
  return w.submitted >= w.delivered + w.bounced &&
         w.in_flight() + w.cache.holders + w.cached_connections == w.slab.live() + w.waiting_slab.live();
}

}  // namespace mxsim::model
