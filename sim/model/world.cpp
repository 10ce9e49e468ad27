// The per-message state machine: resolve, order, connect, session, defer,
// retry, bounce. Messages are slots in a reused slab; events carry a token so
// that an event made stale (a session cut by a crash, a backlog wait that got
// a session) is skipped instead of searched for and removed.
#include "model/world.hpp"

#include <algorithm>
#include <cmath>
#include <deque>
#include <queue>
#include <set>
#include <stdexcept>
#include <unordered_map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "dns/resolver.hpp"
#include "dns/zone.hpp"
#include "mta/ordering.hpp"
#include "mta/profile.hpp"
#include "report/fairness.hpp"
#include "report/stats.hpp"
#include "util/random.hpp"

#ifndef MXSIM_VERSION
#define MXSIM_VERSION "dev"
#endif

namespace mxsim::model {

using report::Outcome;
using scenario::Fault;

namespace {

enum class Kind : std::uint8_t {
  arrival,          // a: group
  attempt,          // a: message slot, b: token
  connect_failed,   // a: slot, b: token, c: server, outcome
  session_done,     // a: slot, b: token, c: server
  backlog_timeout,  // a: slot, b: token, c: server
  fault_start,      // a: scenario event index
  fault_end,        // a: scenario event index
  server_state,     // c: server, outcome: 1 up / 0 down
};

struct Event {
  double time;
  std::uint64_t seq;
  std::uint32_t a;
  std::uint32_t b;
  std::uint32_t c;
  Kind kind;
  std::uint8_t outcome;
};

struct Later {
  bool operator()(const Event& x, const Event& y) const {
    return x.time != y.time ? x.time > y.time : x.seq > y.seq;
  }
};

struct Message {
  std::uint32_t token = 0;
  std::uint32_t group = 0;
  std::uint32_t mta = 0;
  dns::NameId domain = dns::kNoName;
  std::uint64_t id = 0;
  double submitted = 0;
  bool first_hop_done = false;
  bool waiting_retry = false;
  bool holds_delivery = false;  // counts against its MTA's destination concurrency
  std::uint32_t cursor = 0;
  std::uint32_t active_pos = 0;  // index in its server's active list during a session
  std::vector<dns::Target> targets;  // this attempt's resolution
  std::vector<std::uint32_t> order;  // indices into targets, in try order
};

struct BacklogEntry {
  std::uint32_t slot;
  std::uint32_t token;
  double deadline;
};

struct Server {
  std::string host;     // without the trailing dot
  std::string address;
  scenario::ServerSpec spec;
  util::Rng rng;
  bool up = true;
  int downing = 0;
  int refusing = 0;
  int tempfailing = 0;
  int slowing = 0;
  double slow_factor = 1;
  int in_use = 0;
  std::vector<std::uint32_t> active;  // message slots in a session here
  std::deque<BacklogEntry> backlog;   // may hold stale entries; backlog_live counts the valid ones
  int backlog_live = 0;
  int domain = -1;                    // index into domains_ for `share`, -1: none
  int preference = -1;                // -1: not an MX target of any domain
};

// Deliveries in progress from one MTA to one destination, and the messages
// waiting for one of them to finish (Postfix's active queue).
struct Destination {
  dns::NameId domain = dns::kNoName;
  std::uint32_t active = 0;
  std::deque<std::uint32_t> waiting;
};

struct Mta {
  util::Rng rng;
  dns::Resolver resolver;
  std::vector<Destination> destinations;  // few: linear search

  Destination& destination(dns::NameId domain) {
    for (auto& d : destinations)
      if (d.domain == domain) return d;
    destinations.push_back(Destination{domain, 0, {}});
    return destinations.back();
  }
};

struct Group {
  std::string name;
  mta::Profile profile;
  mta::Ordering ordering;
  double rate = 0;
  std::uint32_t first_mta = 0;
  std::uint32_t mtas = 0;
  std::vector<double> rtt;  // by server
  std::vector<dns::NameId> domains;
  std::vector<double> cumulative_weight;
  util::Rng arrivals;
};

struct DomainLayout {
  std::string name;  // without the trailing dot
  struct Level {
    int preference;
    std::vector<std::string> hosts;
    std::vector<std::vector<std::uint32_t>> servers;  // per host
  };
  std::vector<Level> levels;
};

std::string strip_dot(const std::string& name) {
  if (name.size() > 1 && name.back() == '.') return name.substr(0, name.size() - 1);
  return name;
}

double round6(double x) { return std::round(x * 1e6) / 1e6; }

}  // namespace

struct World::Impl {
  const scenario::Scenario& scenario;
  RunOptions options;
  SessionModel& sessions;
  dns::ZoneDb db;
  std::vector<Server> servers;  // by AddressId
  std::vector<Group> groups;
  std::vector<Mta> mtas;
  std::vector<DomainLayout> domains;
  std::vector<std::vector<std::uint32_t>> event_servers;  // by scenario event
  std::vector<dns::NameId> event_domain;                  // servfail events
  std::vector<std::size_t> event_update;                  // zone update index
  dns::ServfailSet servfail;
  std::unique_ptr<report::Stats> stats;

  // Two queues: retries wait minutes to hours and are many when servers are
  // down; keeping them apart keeps the busy queue small and in cache.
  using Queue = std::priority_queue<Event, std::vector<Event>, Later>;
  Queue soon;
  Queue retries;
  std::uint64_t seq = 0;
  std::vector<Message> slab;
  std::vector<std::uint32_t> free_slots;
  std::uint64_t next_message_id = 0;
  std::uint32_t arrivals_open = 0;  // groups still generating messages

  std::vector<std::string> warnings;
  std::set<std::string> warned;

  Impl(const scenario::Scenario& s, RunOptions o, SessionModel& m)
      : scenario(s), options(o), sessions(m), db(scenario::build_zone(s)) {}

  // ---- set-up -------------------------------------------------------------

  std::vector<std::uint32_t> servers_named(const std::string& key) const {
    const auto address = db.find_address(key);
    if (address != dns::kNoName) return {address};
    std::vector<std::uint32_t> out;
    const auto name = db.find_name(key);
    if (name != dns::kNoName)
      for (auto a : db.addresses_of(name)) out.push_back(a);
    return out;
  }

  void build_servers() {
    servers.resize(db.address_count());
    for (std::uint32_t a = 0; a < servers.size(); ++a) {
      auto& s = servers[a];
      s.address = db.address(a);
      const auto& owners = db.owners(a);
      s.host = owners.empty() ? s.address : strip_dot(db.name(owners.front()));
      s.rng = util::Rng::derive(options.seed, util::stable_hash("server:" + s.address));
      s.spec.key = s.address;
    }
    // Host entries first, then address entries, which are more specific.
    for (int pass = 0; pass < 2; ++pass) {
      for (const auto& spec : scenario.servers) {
        const bool is_address = db.find_address(spec.key) != dns::kNoName;
        if (is_address != (pass == 1)) continue;
        for (auto a : servers_named(spec.key)) servers[a].spec = spec;
      }
    }
    for (const auto& s : servers) {
      if (s.spec.role == scenario::Role::relay)
        throw util::InputError(s.spec.where,
                               fmt::format("servers: {}: role relay (a backup MX that forwards) is not supported by "
                                           "this version; use role final",
                                           s.spec.key));
    }
  }

  void build_groups() {
    std::uint32_t mta_count = 0;
    for (const auto& g : scenario.senders) {
      Group group;
      group.name = g.name;
      try {
        group.profile = mta::profile_by_name(g.profile);
        group.ordering = g.selection ? mta::selection_by_name(*g.selection) : group.profile.ordering;
        for (const auto& [name, value] : g.overrides) mta::apply_override(group.profile, name, value);
      } catch (const std::invalid_argument& e) {
        throw util::InputError(g.overrides.empty() ? g.where : g.overrides_where,
                               fmt::format("senders \"{}\": {}", g.name, e.what()));
      }
      group.rate = g.rate;
      group.first_mta = mta_count;
      group.mtas = static_cast<std::uint32_t>(g.mtas);
      mta_count += group.mtas;
      group.rtt.assign(servers.size(), g.rtt);
      for (const auto& [key, rtt] : g.rtt_by_server) {
        if (key == "default") continue;
        const auto named = servers_named(key);
        if (named.empty())
          throw util::InputError(g.where,
                                 fmt::format("senders \"{}\": rtt: \"{}\" names no server in the zone", g.name, key));
        for (auto s : named) group.rtt[s] = rtt;
      }
      if (auto it = g.rtt_by_server.find("default"); it != g.rtt_by_server.end()) {
        // `default` applies to every server without its own entry.
        std::vector<bool> own(servers.size(), false);
        for (const auto& [key, rtt] : g.rtt_by_server)
          if (key != "default")
            for (auto s : servers_named(key)) own[s] = true;
        for (std::size_t s = 0; s < servers.size(); ++s)
          if (!own[s]) group.rtt[s] = it->second;
      }
      double total = 0;
      for (const auto& [domain, weight] : g.to) {
        const auto id = db.find_name(domain);
        if (id == dns::kNoName)
          throw util::InputError(g.where, fmt::format("senders \"{}\": to: \"{}\" is not in the zone", g.name, domain));
        group.domains.push_back(id);
        total += weight;
        group.cumulative_weight.push_back(total);
      }
      for (auto& w : group.cumulative_weight) w /= total;
      group.arrivals = util::Rng::derive(options.seed, util::stable_hash("arrivals:" + g.name));
      groups.push_back(std::move(group));
    }
    mtas.reserve(mta_count);
    for (const auto& g : groups)
      for (std::uint32_t i = 0; i < g.mtas; ++i)
        mtas.push_back(Mta{util::Rng::derive(options.seed, util::stable_hash("mta:" + g.name), i), dns::Resolver(&db), {}});
  }

  // The MX layout of each recipient domain in the base zone, for `share`,
  // `preference` and the per-level fairness report.
  void build_domains() {
    std::vector<dns::NameId> seen;
    for (const auto& g : groups)
      for (auto d : g.domains)
        if (std::find(seen.begin(), seen.end(), d) == seen.end()) seen.push_back(d);
    for (auto d : seen) {
      DomainLayout layout;
      layout.name = strip_dot(db.name(d));
      dns::Resolver fresh(&db);
      const auto& r = fresh.resolve_mx(d, 0, dns::ServfailSet{});
      for (const auto& t : r.targets) {
        auto level = std::find_if(layout.levels.begin(), layout.levels.end(),
                                  [&](const auto& l) { return l.preference == t.preference; });
        if (level == layout.levels.end()) {
          layout.levels.push_back({t.preference, {}, {}});
          level = layout.levels.end() - 1;
        }
        const auto host = strip_dot(db.name(t.host));
        auto h = std::find(level->hosts.begin(), level->hosts.end(), host);
        if (h == level->hosts.end()) {
          level->hosts.push_back(host);
          level->servers.emplace_back();
          h = level->hosts.end() - 1;
        }
        level->servers[static_cast<std::size_t>(h - level->hosts.begin())].push_back(t.address);
        auto& server = servers[t.address];
        if (server.domain < 0) {
          server.domain = static_cast<int>(domains.size());
          server.preference = t.preference;
        }
      }
      std::sort(layout.levels.begin(), layout.levels.end(),
                [](const auto& x, const auto& y) { return x.preference < y.preference; });
      domains.push_back(std::move(layout));
    }
    // Servers that only zone updates make MX targets belong to their domain
    // too, so that `share` compares them with the hosts they replace.
    const auto updates = static_cast<std::size_t>(
        std::count_if(scenario.events.begin(), scenario.events.end(),
                      [](const auto& e) { return e.fault == Fault::zone_update; }));
    if (updates == 0) return;
    dns::ZoneDb updated = db;
    for (std::size_t u = 0; u < updates; ++u) updated.apply_update(u);
    for (std::size_t i = 0; i < seen.size(); ++i) {
      dns::Resolver fresh(&updated);
      for (const auto& t : fresh.resolve_mx(seen[i], 0, dns::ServfailSet{}).targets) {
        auto& server = servers[t.address];
        if (server.domain >= 0) continue;
        server.domain = static_cast<int>(i);
        server.preference = t.preference;
      }
    }
  }

  void build_events() {
    event_servers.resize(scenario.events.size());
    event_domain.assign(scenario.events.size(), dns::kNoName);
    event_update.assign(scenario.events.size(), 0);
    std::size_t updates = 0;
    for (std::uint32_t i = 0; i < scenario.events.size(); ++i) {
      const auto& e = scenario.events[i];
      switch (e.fault) {
        case Fault::zone_update: event_update[i] = updates++; break;
        case Fault::servfail: event_domain[i] = db.find_name(e.target); break;
        default: event_servers[i] = servers_named(e.target); break;
      }
      if (e.fault == Fault::down && options.outages_from_engine) continue;
      push(e.at, Kind::fault_start, i);
    }
  }

  // ---- the event queue ----------------------------------------------------

  void push(double time, Kind kind, std::uint32_t a, std::uint32_t b = 0, std::uint32_t c = 0,
            std::uint8_t outcome = 0) {
    (kind == Kind::attempt ? retries : soon).push(Event{time, seq++, a, b, c, kind, outcome});
  }

  bool empty() const { return soon.empty() && retries.empty(); }
  Queue& first_queue() {
    if (retries.empty()) return soon;
    if (soon.empty()) return retries;
    return Later()(soon.top(), retries.top()) ? retries : soon;
  }
  const Event& top() { return first_queue().top(); }

  void schedule_arrival(std::uint32_t g, double now) {
    auto& group = groups[g];
    const double next = now + group.arrivals.exponential(1.0 / group.rate);
    if (next < scenario.duration) {
      push(next, Kind::arrival, g);
    } else {
      --arrivals_open;
    }
  }

  bool finished() const { return arrivals_open == 0 && stats->messages().in_flight() == 0; }

  void dispatch(const Event& e) {
    switch (e.kind) {
      case Kind::arrival: arrive(e.a, e.time); break;
      case Kind::attempt:
        if (slab[e.a].token == e.b) attempt(e.a, e.time);
        break;
      case Kind::connect_failed:
        if (slab[e.a].token == e.b) connect_failed(e.a, e.c, static_cast<Outcome>(e.outcome), e.time);
        break;
      case Kind::session_done:
        if (slab[e.a].token == e.b) session_done(e.a, e.c, e.time);
        break;
      case Kind::backlog_timeout:
        if (slab[e.a].token == e.b) backlog_timeout(e.a, e.c, e.time);
        break;
      case Kind::fault_start: fault_start(e.a, e.time); break;
      case Kind::fault_end: fault_change(e.a, -1, e.time); break;
      case Kind::server_state: server_state(e.c, e.outcome != 0, e.time); break;
    }
  }

  // ---- messages -----------------------------------------------------------

  std::uint32_t new_message() {
    if (!free_slots.empty()) {
      const auto slot = free_slots.back();
      free_slots.pop_back();
      return slot;
    }
    slab.emplace_back();
    return static_cast<std::uint32_t>(slab.size() - 1);
  }

  void end_message(std::uint32_t slot, double now) {
    auto& m = slab[slot];
    ++m.token;  // any event still queued for this slot is now stale
    release_delivery(slot, now);
    free_slots.push_back(slot);
  }

  // A delivery attempt ended: the next waiting message of that MTA and
  // destination starts its own.
  void release_delivery(std::uint32_t slot, double now) {
    auto& m = slab[slot];
    if (!m.holds_delivery) return;
    m.holds_delivery = false;
    auto& dest = mtas[m.mta].destination(m.domain);
    --dest.active;
    if (dest.waiting.empty()) return;
    const auto next = dest.waiting.front();
    dest.waiting.pop_front();
    ++dest.active;
    slab[next].holds_delivery = true;
    push(now, Kind::attempt, next, slab[next].token);
  }

  void arrive(std::uint32_t g, double now) {
    auto& group = groups[g];
    const auto slot = new_message();
    auto& m = slab[slot];
    m.group = g;
    m.mta = group.first_mta + group.arrivals.below(group.mtas);
    const double pick = group.arrivals.uniform();
    const auto it = std::upper_bound(group.cumulative_weight.begin(), group.cumulative_weight.end(), pick);
    m.domain = group.domains[std::min<std::size_t>(static_cast<std::size_t>(it - group.cumulative_weight.begin()),
                                                   group.domains.size() - 1)];
    m.id = next_message_id++;
    m.submitted = now;
    m.first_hop_done = false;
    m.waiting_retry = false;
    m.holds_delivery = false;
    stats->submitted(now);
    schedule_arrival(g, now);
    attempt(slot, now);
  }

  void warn_once(const std::string& text) {
    if (warned.insert(text).second) warnings.push_back(text);
  }

  void attempt(std::uint32_t slot, double now) {
    auto& m = slab[slot];
    ++m.token;
    if (m.waiting_retry) {
      m.waiting_retry = false;
      stats->retry_started(now);
    }
    auto& mta = mtas[m.mta];
    if (!m.holds_delivery) {
      const int limit = groups[m.group].profile.destination_concurrency;
      auto& dest = mta.destination(m.domain);
      if (limit > 0 && dest.active >= static_cast<std::uint32_t>(limit)) {
        dest.waiting.push_back(slot);
        return;
      }
      ++dest.active;
      m.holds_delivery = true;
    }
    const auto& r = mta.resolver.resolve_mx(m.domain, now, servfail);
    for (auto name : r.cname_followed)
      warn_once(fmt::format("{} is a CNAME (RFC 2181 §10.3 forbids an MX target alias); followed",
                            strip_dot(db.name(name))));
    switch (r.status) {
      case dns::Status::nxdomain:
      case dns::Status::no_route: return bounce(slot, report::BounceReason::nxdomain, now);
      case dns::Status::null_mx: return bounce(slot, report::BounceReason::null_mx, now);
      case dns::Status::servfail:
      case dns::Status::no_address: return defer(slot, now);
      case dns::Status::ok: break;
    }
    m.targets.assign(r.targets.begin(), r.targets.end());
    const auto& group = groups[m.group];
    mta::order_targets(m.targets, group.ordering, mta.rng, static_cast<std::uint32_t>(group.profile.address_limit),
                       m.order);
    m.cursor = 0;
    try_next(slot, now);
  }

  void try_next(std::uint32_t slot, double now) {
    auto& m = slab[slot];
    if (m.cursor >= m.order.size()) return defer(slot, now);
    const auto server = m.targets[m.order[m.cursor++]].address;
    connect(slot, server, now);
  }

  void connect(std::uint32_t slot, std::uint32_t s, double now) {
    auto& m = slab[slot];
    auto& server = servers[s];
    const auto& group = groups[m.group];
    const auto& profile = group.profile;
    const double rtt = group.rtt[s];
    stats->connection(now, s);
    auto fail = [&](double after, Outcome outcome) {
      push(now + after, Kind::connect_failed, slot, m.token, s, static_cast<std::uint8_t>(outcome));
    };
    if (!server.up) return fail(profile.connect_timeout, Outcome::timeout);      // no answer to SYN
    if (server.refusing > 0) return fail(rtt, Outcome::refused);                 // RST to the SYN
    if (server.tempfailing > 0) return fail(2 * rtt, Outcome::tempfail);         // 421 greeting
    if (server.in_use < server.spec.sessions) return start_session(slot, s, now);
    if (server.backlog_live < server.spec.backlog) {
      // The kernel completed the handshake; the greeting waits for a session.
      const double deadline = now + rtt + profile.command_timeout;
      server.backlog.push_back({slot, m.token, deadline});
      ++server.backlog_live;
      return push(deadline, Kind::backlog_timeout, slot, m.token, s);
    }
    if (server.spec.overflow == scenario::Overflow::tempfail) return fail(2 * rtt, Outcome::busy_tempfail);
    fail(profile.connect_timeout, Outcome::timeout);  // overflow drop: the SYN is ignored
  }

  double draw_service(Server& server) {
    const auto& d = server.spec.service;
    switch (d.kind) {
      case scenario::Distribution::Kind::constant: return d.mean;
      case scenario::Distribution::Kind::exponential: return server.rng.exponential(d.mean);
      case scenario::Distribution::Kind::lognormal: {
        const double mu = std::log(d.mean) - d.sigma * d.sigma / 2;
        return std::exp(mu + d.sigma * server.rng.normal());
      }
    }
    return d.mean;
  }

  void start_session(std::uint32_t slot, std::uint32_t s, double now) {
    auto& m = slab[slot];
    auto& server = servers[s];
    const auto& group = groups[m.group];
    ++server.in_use;
    m.active_pos = static_cast<std::uint32_t>(server.active.size());
    server.active.push_back(slot);
    stats->session_started(now, s);
    const double service = draw_service(server) * server.slow_factor;
    const double length = sessions.duration({s, group.rtt[s], group.profile.round_trips, service});
    push(now + length, Kind::session_done, slot, m.token, s);
  }

  // Frees the session `slot` held on server `s`; waiting connections take it.
  void release_session(std::uint32_t slot, std::uint32_t s, double now) {
    auto& server = servers[s];
    const auto pos = slab[slot].active_pos;
    const auto last = server.active.back();
    server.active[pos] = last;
    slab[last].active_pos = pos;
    server.active.pop_back();
    --server.in_use;
    stats->session_ended(now, s);
    while (!server.backlog.empty() && server.in_use < server.spec.sessions) {
      const auto entry = server.backlog.front();
      server.backlog.pop_front();
      auto& waiting = slab[entry.slot];
      if (waiting.token != entry.token) continue;  // stale: it timed out
      --server.backlog_live;
      ++waiting.token;  // its backlog timeout is now stale
      start_session(entry.slot, s, now);
    }
  }

  void session_done(std::uint32_t slot, std::uint32_t s, double now) {
    auto& m = slab[slot];
    release_session(slot, s, now);
    stats->outcome(now, s, Outcome::accepted);
    const double latency = now - m.submitted;
    if (!m.first_hop_done) {
      m.first_hop_done = true;
      stats->first_hop(latency);
    }
    stats->delivered(now, latency);
    end_message(slot, now);
  }

  void backlog_timeout(std::uint32_t slot, std::uint32_t s, double now) {
    --servers[s].backlog_live;
    ++slab[slot].token;  // its backlog entry is now stale
    stats->outcome(now, s, Outcome::timeout);
    try_next(slot, now);
  }

  void connect_failed(std::uint32_t slot, std::uint32_t s, Outcome outcome, double now) {
    stats->outcome(now, s, outcome);
    try_next(slot, now);
  }

  void defer(std::uint32_t slot, double now) {
    auto& m = slab[slot];
    const auto& profile = groups[m.group].profile;
    if (now - m.submitted >= profile.max_lifetime) return bounce(slot, report::BounceReason::expired, now);
    ++m.token;
    m.waiting_retry = true;
    stats->deferred(now);
    push(mta::next_retry(profile, m.submitted, now), Kind::attempt, slot, m.token);
    release_delivery(slot, now);
  }

  void bounce(std::uint32_t slot, report::BounceReason reason, double now) {
    stats->bounced(now, reason);
    end_message(slot, now);
  }

  // ---- faults -------------------------------------------------------------

  void fault_start(std::uint32_t index, double now) {
    if (finished()) return;  // periodic faults alone do not keep the run going
    const auto& e = scenario.events[index];
    if (e.fault == Fault::zone_update) {
      db.apply_update(event_update[index]);
      return;
    }
    fault_change(index, +1, now);
    if (std::isfinite(e.length)) push(now + e.length, Kind::fault_end, index);
    if (e.every) push(now + *e.every, Kind::fault_start, index);
  }

  void fault_change(std::uint32_t index, int delta, double now) {
    const auto& e = scenario.events[index];
    if (e.fault == Fault::servfail) {
      auto& list = servfail.domains;
      ++servfail.generation;
      if (delta > 0) {
        list.push_back(event_domain[index]);
      } else if (auto it = std::find(list.begin(), list.end(), event_domain[index]); it != list.end()) {
        list.erase(it);
      }
      return;
    }
    for (auto s : event_servers[index]) {
      auto& server = servers[s];
      switch (e.fault) {
        case Fault::down:
          // Only when the model times outages itself (no engine).
          server.downing += delta;
          server_state(s, server.downing == 0, now);
          break;
        case Fault::refuse: server.refusing += delta; break;
        case Fault::tempfail: server.tempfailing += delta; break;
        case Fault::slow:
          server.slowing += delta;
          server.slow_factor = server.slowing > 0 ? e.factor : 1.0;
          break;
        default: break;
      }
    }
  }

  void server_state(std::uint32_t s, bool up, double now) {
    auto& server = servers[s];
    if (server.up == up) return;
    server.up = up;
    if (up) return;
    // The host died: open sessions hang until the client's command timeout,
    // connections waiting in the backlog until their greeting deadline.
    while (!server.active.empty()) {
      const auto slot = server.active.back();
      release_session(slot, s, now);
      auto& m = slab[slot];
      ++m.token;
      push(now + groups[m.group].profile.command_timeout, Kind::connect_failed, slot, m.token, s,
           static_cast<std::uint8_t>(Outcome::timeout));
    }
    for (const auto& entry : server.backlog) {
      auto& m = slab[entry.slot];
      if (m.token != entry.token) continue;
      ++m.token;
      push(entry.deadline, Kind::connect_failed, entry.slot, m.token, s, static_cast<std::uint8_t>(Outcome::timeout));
    }
    server.backlog.clear();
    server.backlog_live = 0;
  }

  // ---- the summary --------------------------------------------------------

  static nlohmann::json latency_json(const report::Histogram& h, const std::vector<double>& extra) {
    nlohmann::json j{{"count", h.count()},         {"mean", round6(h.mean())},
                     {"p50", round6(h.percentile(50))}, {"p90", round6(h.percentile(90))},
                     {"p99", round6(h.percentile(99))}, {"p999", round6(h.percentile(99.9))},
                     {"max", round6(h.max())}};
    nlohmann::json more = nlohmann::json::object();
    for (double p : extra) more[fmt::format("{}", p)] = round6(h.percentile(p));
    j["percentiles"] = more;
    return j;
  }

  nlohmann::json summary(double end, double wall_s) {
    stats->finish(end);
    const auto& msg = stats->messages();
    nlohmann::json j;
    j["mxsim_version"] = MXSIM_VERSION;
    j["scenario"] = scenario.name;
    j["description"] = scenario.description;
    j["seed"] = options.seed;
    j["simulated_s"] = round6(end);
    j["wall_s"] = round6(wall_s);
    j["complete"] = true;
    j["messages"] = {{"submitted", msg.submitted},
                     {"delivered", msg.delivered},
                     {"bounced", msg.bounced},
                     {"pending", msg.in_flight()}};
    j["latency_s"] = {{"first_hop", latency_json(stats->first_hop_latency(), scenario.report.percentiles)},
                      {"delivery", latency_json(stats->delivery_latency(), scenario.report.percentiles)}};

    report::ServerCounters total;
    for (std::uint32_t s = 0; s < servers.size(); ++s) {
      const auto& c = stats->server(s);
      total.connections += c.connections;
      total.accepted += c.accepted;
      total.timeouts += c.timeouts;
      total.refused += c.refused;
      total.tempfail += c.tempfail;
    }
    j["attempts"] = {{"connections", total.connections},
                     {"accepted", total.accepted},
                     {"timeouts", total.timeouts},
                     {"refused", total.refused},
                     {"tempfail", total.tempfail},
                     {"per_message_mean",
                      round6(msg.submitted ? static_cast<double>(total.connections) / static_cast<double>(msg.submitted)
                                           : 0.0)}};

    std::vector<std::uint64_t> accepted_by_domain(domains.size() + 1, 0);
    for (std::uint32_t s = 0; s < servers.size(); ++s)
      accepted_by_domain[static_cast<std::size_t>(servers[s].domain + 1)] += stats->server(s).accepted;
    auto server_list = nlohmann::json::array();
    for (std::uint32_t s = 0; s < servers.size(); ++s) {
      const auto& c = stats->server(s);
      const auto& server = servers[s];
      const auto domain_total = accepted_by_domain[static_cast<std::size_t>(server.domain + 1)];
      const double capacity = server.spec.sessions * end;
      server_list.push_back(
          {{"host", server.host},
           {"address", server.address},
           {"preference", server.preference >= 0 ? nlohmann::json(server.preference) : nlohmann::json(nullptr)},
           {"accepted", c.accepted},
           {"share", round6(domain_total ? static_cast<double>(c.accepted) / static_cast<double>(domain_total) : 0.0)},
           {"connections", c.connections},
           {"timeouts", c.timeouts},
           {"refused", c.refused},
           {"tempfail", c.tempfail},
           {"busy_tempfail", c.busy_tempfail},
           {"peak_sessions", c.peak_sessions},
           {"utilization", round6(capacity > 0 ? stats->busy_seconds(s) / capacity : 0.0)}});
    }
    j["servers"] = server_list;

    auto group_list = nlohmann::json::array();
    for (const auto& d : domains) {
      for (const auto& level : d.levels) {
        std::vector<double> loads;
        std::uint64_t accepted = 0;
        for (const auto& host_servers : level.servers) {
          std::uint64_t n = 0;
          for (auto s : host_servers) n += stats->server(s).accepted;
          loads.push_back(static_cast<double>(n));
          accepted += n;
        }
        group_list.push_back({{"domain", d.name},
                              {"preference", level.preference},
                              {"hosts", level.hosts},
                              {"accepted", accepted},
                              {"jain_index", round6(report::jain_index(loads))},
                              {"max_over_mean", round6(report::max_over_mean(loads))},
                              {"chi2_p", round6(report::chi_square_p(loads))}});
      }
    }
    j["groups"] = group_list;
    nlohmann::json bounces = nlohmann::json::object();
    for (int r = 0; r < report::kBounceReasons; ++r)
      bounces[report::bounce_name(static_cast<report::BounceReason>(r))] = msg.bounces[static_cast<std::size_t>(r)];
    j["bounces"] = bounces;
    j["warnings"] = warnings;
    return j;
  }
};

World::World(const scenario::Scenario& scenario, RunOptions options, SessionModel& sessions)
    : impl_(std::make_unique<Impl>(scenario, options, sessions)) {
  auto& w = *impl_;
  w.build_servers();
  w.build_groups();
  w.build_domains();
  std::vector<report::Stats::ServerLabel> labels;
  for (const auto& s : w.servers) labels.push_back({s.host, s.address});
  w.stats = std::make_unique<report::Stats>(std::move(labels), scenario.report.bin, options.timeseries, options.queue);
  w.build_events();
  for (std::uint32_t g = 0; g < w.groups.size(); ++g) {
    ++w.arrivals_open;
    w.schedule_arrival(g, 0.0);
  }
}

World::~World() = default;

double World::next_time() const {
  if (impl_->finished() || impl_->empty()) return kNever;
  return impl_->top().time;
}

void World::run_until(double t) {
  auto& w = *impl_;
  while (!w.empty() && !w.finished()) {
    auto& queue = w.first_queue();
    if (queue.top().time > t) break;
    const Event e = queue.top();
    queue.pop();
    w.dispatch(e);
  }
}

void World::set_server_state(std::uint32_t server, bool up, double t) {
  impl_->push(t, Kind::server_state, 0, 0, server, up ? 1 : 0);
}

std::size_t World::server_count() const { return impl_->servers.size(); }
const std::string& World::server_host(std::uint32_t s) const { return impl_->servers[s].host; }
const std::string& World::server_address(std::uint32_t s) const { return impl_->servers[s].address; }

std::vector<DownWindow> World::down_windows(std::uint32_t server, double until) const {
  const auto& w = *impl_;
  std::vector<DownWindow> out;
  for (std::size_t i = 0; i < w.scenario.events.size(); ++i) {
    const auto& e = w.scenario.events[i];
    if (e.fault != Fault::down) continue;
    const auto& targets = w.event_servers[i];
    if (std::find(targets.begin(), targets.end(), server) == targets.end()) continue;
    for (double start = e.at; start < until; start += e.every.value_or(kNever)) {
      out.push_back({start, start + e.length});
      if (!e.every) break;
    }
  }
  std::sort(out.begin(), out.end(), [](const auto& x, const auto& y) { return x.start < y.start; });
  // Merge overlaps so that the host state profile alternates off/on.
  std::vector<DownWindow> merged;
  for (const auto& d : out) {
    if (!merged.empty() && d.start <= merged.back().end) {
      merged.back().end = std::max(merged.back().end, d.end);
    } else {
      merged.push_back(d);
    }
  }
  return merged;
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
std::uint64_t World::submitted() const { return impl_->stats->messages().submitted; }
std::uint64_t World::in_flight() const { return impl_->stats->messages().in_flight(); }

bool World::conserved() const {
  const auto& m = impl_->stats->messages();
  std::uint64_t bounced = 0;
  for (auto b : m.bounces) bounced += b;
  return m.submitted == m.delivered + m.bounced + m.in_flight() && bounced == m.bounced &&
         m.in_flight() == impl_->slab.size() - impl_->free_slots.size();
}

nlohmann::json World::summary(double end, double wall_s) { return impl_->summary(end, wall_s); }

}  // namespace mxsim::model
