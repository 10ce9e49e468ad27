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
#include "mta/profile.hpp"
#include "report/fairness.hpp"
#include "selection/policy.hpp"
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
  attempt_ready,    // a: slot, b: token: the DNS answers arrived (dns_latency)
  session_data,     // a: slot, b: token, c: server: network sessions reach DATA
  activity_end,     // a: slot, b: token, c: server, outcome: 1 ok / 0 failed
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
  std::uint32_t group = 0;        // of the MTA holding it now
  std::uint32_t origin_group = 0; // the sender group it came from
  std::uint32_t mta = 0;
  dns::NameId domain = dns::kNoName;
  std::uint64_t id = 0;
  double submitted = 0;          // by the original sender: latencies count from here
  mta::RetryState retry;         // with the MTA holding it now (a relay restarts it)
  double attempt_start = 0;      // of the connection in progress (for the trace)
  double bytes = 0;              // network sessions: the message's size
  double processing = 0;         // this session's service seconds, or flops of work
  bool computing = false;        // network sessions: the activity in flight is the work
  std::uint32_t session_server = 0;  // the server of the session in progress
  bool first_hop_done = false;
  bool waiting_retry = false;
  bool holds_delivery = false;  // counts against its MTA's destination concurrency
  std::uint32_t cursor = 0;
  std::uint32_t sessions_used = 0;  // sessions past EHLO that ended in 4xx/5xx, this attempt
  std::uint32_t connections = 0;    // connections made in this attempt
  std::uint32_t host_failures = 0;  // of those, the ones the host itself failed (no 2xx/4xx/5xx reply)
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
  int relay_mta = -1;                 // role relay: the MTA that forwards its mail
  std::unordered_map<std::uint64_t, double> greylist;  // key -> first attempt
};

// Deliveries in progress from one MTA to one destination, and the messages
// waiting for one of them to finish (Postfix's active queue).
struct Destination {
  dns::NameId domain = dns::kNoName;
  std::uint32_t active = 0;
  std::deque<std::uint32_t> waiting;
  double dead_until = 0;  // Postfix: a dead destination's mail is deferred unseen until then
};

// What one MTA remembers about one server across messages (host memory).
struct HostRecord {
  double skip_until = 0;      // not tried before this time
  double first_failure = -1;  // Exim: the retry record's first failure
  double last_gap = 0;        // Exim: the previous retry gap
  std::uint32_t penalty = 0;  // OpenSMTPD: the route penalty
};

struct Mta {
  util::Rng rng;
  dns::Resolver resolver;
  std::vector<Destination> destinations;  // few: linear search
  std::uint32_t group = 0;
  std::uint32_t index = 0;          // within its group, for the trace
  int self_server = -1;             // a relay: its own server, dropped with worse MX (RFC 5321 §5.1)
  std::vector<HostRecord> hosts;    // by server; sized on the first failure
  // How it orders an MX set: its group's `selection:`, else its profile's policy.
  std::unique_ptr<selection::Policy> policy;

  Destination& destination(dns::NameId domain) {
    for (auto& d : destinations)
      if (d.domain == domain) return d;
    destinations.push_back(Destination{domain, 0, {}, 0});
    return destinations.back();
  }
  bool skips(std::uint32_t server, double now) const {
    return server < hosts.size() && hosts[server].skip_until > now;
  }
};

struct Group {
  std::string name;
  mta::Profile profile;
  std::string selection;  // the policy of its MTAs: `selection:` if set, else the profile's
  double dns_latency = 0;
  double rate = 0;  // 0 for a relay's group: its mail comes from the servers
  std::uint32_t first_mta = 0;
  std::uint32_t mtas = 0;
  std::vector<double> rtt;  // by server
  std::vector<dns::NameId> domains;
  std::vector<double> cumulative_weight;
  util::Rng arrivals;
  std::optional<scenario::Distribution> size;  // network sessions: bytes per message
  util::Rng sizes;
  int relay_server = -1;  // a relay's group: the server it sends from
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
  std::shared_ptr<const std::vector<std::uint8_t>> ipv6;  // by AddressId: 1 for an IPv6 address
  std::shared_ptr<const std::vector<double>> weights;  // by AddressId, for `weighted`
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
  bool network = false;  // engine: {sessions: network}

  Impl(const scenario::Scenario& s, RunOptions o, SessionModel& m)
      : scenario(s), options(o), sessions(m), db(scenario::build_zone(s)),
        network(s.engine.sessions == scenario::SessionKind::network) {
    if (network && options.resources == nullptr)
      throw std::invalid_argument("network sessions need the engine's resources");
  }

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
    auto v6 = std::make_shared<std::vector<std::uint8_t>>(servers.size());
    for (std::uint32_t a = 0; a < servers.size(); ++a) (*v6)[a] = db.is_ipv6(a) ? 1 : 0;
    ipv6 = std::move(v6);
    auto w = std::make_shared<std::vector<double>>(servers.size());
    for (std::uint32_t a = 0; a < servers.size(); ++a) (*w)[a] = servers[a].spec.weight;
    weights = std::move(w);
  }

  Group make_group(const std::string& name, const std::string& profile_name,
                   const std::optional<std::string>& selection,
                   const std::vector<std::pair<std::string, double>>& overrides, const util::Location& where) {
    Group group;
    group.name = name;
    try {
      group.profile = mta::profile_by_name(profile_name);
      group.selection = group.profile.selection;
      if (selection) {
        if (!selection::is_policy(*selection)) {
          std::string known;
          for (const auto& n : selection::policy_names()) known += (known.empty() ? "" : ", ") + n;
          throw std::invalid_argument(fmt::format("selection \"{}\" is unknown; known: {} (and health-aware:NAME)",
                                                  *selection, known));
        }
        group.selection = *selection;
      }
      for (const auto& [parameter, value] : overrides) mta::apply_override(group.profile, parameter, value);
    } catch (const std::invalid_argument& e) {
      throw util::InputError(where, fmt::format("senders \"{}\": {}", name, e.what()));
    }
    return group;
  }

  void add_mtas(std::uint32_t g, std::uint32_t count) {
    for (std::uint32_t i = 0; i < count; ++i) {
      Mta mta{.rng = util::Rng::derive(options.seed, util::stable_hash("mta:" + groups[g].name), i),
              .resolver = dns::Resolver(&db),
              .destinations = {},
              .group = g,
              .index = i,
              .self_server = -1,
              .hosts = {},
              .policy = nullptr};
      selection::PolicyContext context;
      context.servers = static_cast<std::uint32_t>(servers.size());
      context.weights = weights;
      context.ipv6 = ipv6;
      context.seed = mta.rng.next();  // Sendmail seeds its hash once per process
      mta.policy = selection::make_policy(groups[g].selection, context);
      mtas.push_back(std::move(mta));
    }
  }

  // Each backup MX with role relay is also a sending MTA of its own profile.
  void build_relays() {
    for (std::uint32_t s = 0; s < servers.size(); ++s) {
      auto& server = servers[s];
      if (server.spec.role != scenario::Role::relay) continue;
      Group group = make_group("relay:" + server.host, server.spec.relay_profile, std::nullopt, {}, server.spec.where);
      group.rate = 0;
      group.first_mta = static_cast<std::uint32_t>(mtas.size());
      group.mtas = 1;
      group.relay_server = static_cast<int>(s);
      group.rtt.assign(servers.size(), server.spec.relay_rtt);
      groups.push_back(std::move(group));
      const auto g = static_cast<std::uint32_t>(groups.size() - 1);
      server.relay_mta = static_cast<int>(mtas.size());
      add_mtas(g, 1);
      mtas.back().self_server = static_cast<int>(s);
    }
  }

  void build_groups() {
    std::uint32_t mta_count = 0;
    for (const auto& g : scenario.senders) {
      Group group = make_group(g.name, g.profile, g.selection, g.overrides,
                               g.overrides.empty() ? g.where : g.overrides_where);
      group.dns_latency = g.dns_latency;
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
      group.size = g.size;
      group.sizes = util::Rng::derive(options.seed, util::stable_hash("sizes:" + g.name));
      groups.push_back(std::move(group));
    }
    mtas.reserve(mta_count);
    for (std::uint32_t g = 0; g < groups.size(); ++g) add_mtas(g, groups[g].mtas);
    build_relays();
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
      if (e.on_link) continue;  // link faults are SimGrid link profiles (the engine)
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
      case Kind::attempt_ready:
        if (slab[e.a].token == e.b) try_next(e.a, e.time);
        break;
      case Kind::session_data:
        if (slab[e.a].token == e.b) session_data(e.a, e.c, e.time);
        break;
      case Kind::activity_end:
        if (slab[e.a].token == e.b) activity_end(e.a, e.c, e.outcome != 0, e.time);
        break;
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
    m.origin_group = g;
    m.mta = group.first_mta + group.arrivals.below(group.mtas);
    const double pick = group.arrivals.uniform();
    const auto it = std::upper_bound(group.cumulative_weight.begin(), group.cumulative_weight.end(), pick);
    m.domain = group.domains[std::min<std::size_t>(static_cast<std::size_t>(it - group.cumulative_weight.begin()),
                                                   group.domains.size() - 1)];
    m.id = next_message_id++;
    m.submitted = now;
    m.retry = mta::RetryState{now, -1, 0, 0};
    m.first_hop_done = false;
    m.waiting_retry = false;
    m.holds_delivery = false;
    m.bytes = network && group.size ? draw(*group.size, group.sizes) : 0;
    stats->submitted(now);
    schedule_arrival(g, now);
    attempt(slot, now);
  }

  void warn_once(const std::string& text) {
    if (warned.insert(text).second) warnings.push_back(text);
  }

  // RFC 5321 §5.1: an MTA that finds itself in the MX list drops its own
  // preference level and every worse one.
  void drop_self_and_worse(const Mta& mta, std::vector<dns::Target>& targets) const {
    if (mta.self_server < 0) return;
    int own = -1;
    for (const auto& t : targets)
      if (static_cast<int>(t.address) == mta.self_server && (own < 0 || t.preference < own)) own = t.preference;
    if (own < 0) return;
    std::erase_if(targets, [own](const dns::Target& t) { return t.preference >= own; });
  }

  void order(Message& m, Mta& mta, const Group& group, double now) {
    mta.policy->order(m.targets, now, mta.rng, static_cast<std::uint32_t>(group.profile.address_limit), m.order);
  }

  void attempt(std::uint32_t slot, double now) {
    auto& m = slab[slot];
    ++m.token;
    if (m.waiting_retry) {
      m.waiting_retry = false;
      stats->retry_started(now);
    }
    auto& mta = mtas[m.mta];
    const auto& group = groups[m.group];
    auto& dest = mta.destination(m.domain);
    if (!m.holds_delivery) {
      const int limit = group.profile.destination_concurrency;
      if (limit > 0 && dest.active >= static_cast<std::uint32_t>(limit)) {
        dest.waiting.push_back(slot);
        return;
      }
      ++dest.active;
      m.holds_delivery = true;
    }
    // Postfix: mail for a dead destination is deferred without a try.
    if (dest.dead_until > now) return defer(slot, now);
    const auto queries = mta.resolver.queries();
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
    drop_self_and_worse(mta, m.targets);
    if (m.targets.empty()) return bounce(slot, report::BounceReason::loops_to_self, now);
    order(m, mta, group, now);
    m.cursor = 0;
    m.sessions_used = 0;
    m.connections = 0;
    m.host_failures = 0;
    // Queries that missed the cache delay the first connection.
    if (group.dns_latency > 0 && mta.resolver.queries() != queries)
      return push(now + group.dns_latency, Kind::attempt_ready, slot, m.token);
    try_next(slot, now);
  }

  void try_next(std::uint32_t slot, double now) {
    auto& m = slab[slot];
    const auto& mta = mtas[m.mta];
    const auto& profile = groups[m.group].profile;
    while (m.cursor < m.order.size()) {
      if (profile.session_limit > 0 && m.sessions_used >= static_cast<std::uint32_t>(profile.session_limit)) break;
      const auto server = m.targets[m.order[m.cursor++]].address;
      if (mta.skips(server, now)) continue;  // host memory: not tried until its time
      return connect(slot, server, now);
    }
    all_failed(slot, now);
  }

  // No address accepted the message in this attempt.
  void all_failed(std::uint32_t slot, double now) {
    auto& m = slab[slot];
    const auto& profile = groups[m.group].profile;
    if (profile.memory == mta::HostMemory::dead_destination && m.connections > 0 &&
        m.host_failures == m.connections)
      mtas[m.mta].destination(m.domain).dead_until = now + profile.min_backoff;
    defer(slot, now);
  }

  // True when greylisting answers 450 to this attempt.
  bool greylisted(Server& server, const Message& m, double now) {
    const auto& rule = *server.spec.greylist;
    const std::uint64_t key = rule.key == scenario::ServerSpec::Greylist::Key::message
                                  ? (std::uint64_t{1} << 63) | m.id
                                  : (static_cast<std::uint64_t>(m.mta) << 32) | m.domain;
    auto [it, first] = server.greylist.try_emplace(key, now);
    if (first) return true;
    const double age = now - it->second;
    if (age < rule.delay) return true;
    if (age > rule.window) {  // too late: greylisted anew
      it->second = now;
      return true;
    }
    if (rule.key == scenario::ServerSpec::Greylist::Key::message) server.greylist.erase(it);  // passed, forgotten
    return false;
  }

  void connect(std::uint32_t slot, std::uint32_t s, double now) {
    auto& m = slab[slot];
    auto& server = servers[s];
    auto& mta = mtas[m.mta];
    const auto& group = groups[m.group];
    const auto& profile = group.profile;
    const double rtt = group.rtt[s];
    stats->connection(now, s);
    m.attempt_start = now;
    ++m.connections;
    mta.policy->on_attempt_start(s, now);
    auto fail = [&](double after, Outcome outcome) {
      push(now + after, Kind::connect_failed, slot, m.token, s, static_cast<std::uint8_t>(outcome));
    };
    if (!server.up) return fail(profile.connect_timeout, Outcome::timeout);      // no answer to SYN
    if (network && !options.resources->reachable(m.group, s))
      return fail(profile.connect_timeout, Outcome::timeout);  // a link on the way is down
    if (server.refusing > 0) return fail(rtt, Outcome::refused);                 // RST to the SYN
    if (server.tempfailing > 0) return fail(2 * rtt, Outcome::tempfail);         // 421 greeting
    if (server.in_use < server.spec.sessions) {
      // Past the greeting and EHLO: greylisting answers the RCPT, a reject
      // fault the greeting's successor; both count as a session used.
      const double rcpt = (profile.round_trips - 1) * rtt;
      if (server.spec.greylist && greylisted(server, m, now)) {
        ++m.sessions_used;
        return fail(rcpt, Outcome::greylisted);
      }
      if (server.spec.reject_fraction > 0 && server.rng.uniform() < server.spec.reject_fraction) {
        ++m.sessions_used;
        return fail(rcpt, Outcome::rejected);
      }
      return start_session(slot, s, now);
    }
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

  static double draw(const scenario::Distribution& d, util::Rng& rng) {
    switch (d.kind) {
      case scenario::Distribution::Kind::constant: return d.mean;
      case scenario::Distribution::Kind::exponential: return rng.exponential(d.mean);
      case scenario::Distribution::Kind::lognormal: {
        const double mu = std::log(d.mean) - d.sigma * d.sigma / 2;
        return std::exp(mu + d.sigma * rng.normal());
      }
    }
    return d.mean;
  }

  // A session's processing, already scaled by any `slow` fault: seconds of
  // service or, for a server with `work` under network sessions, flops.
  // Under round-trip sessions `work` counts as work/speed seconds on a core
  // of its own (no sharing: that is what network sessions add).
  double draw_processing(Server& server) {
    const auto& spec = server.spec;
    if (!spec.work) return draw(spec.service, server.rng) * server.slow_factor;
    const double flops = draw(*spec.work, server.rng) * server.slow_factor;
    return network ? flops : flops / spec.cpu->speed;
  }

  void start_session(std::uint32_t slot, std::uint32_t s, double now) {
    auto& m = slab[slot];
    auto& server = servers[s];
    const auto& group = groups[m.group];
    ++server.in_use;
    m.active_pos = static_cast<std::uint32_t>(server.active.size());
    server.active.push_back(slot);
    stats->session_started(now, s);
    m.session_server = s;
    m.processing = draw_processing(server);
    if (network) {
      // Every round trip but the last comes before the DATA transfer; the
      // transfer itself carries the message one way, the 250 comes back.
      return push(now + group.rtt[s] * (group.profile.round_trips - 1), Kind::session_data, slot, m.token, s);
    }
    const double length = sessions.duration({s, group.rtt[s], group.profile.round_trips, m.processing});
    push(now + length, Kind::session_done, slot, m.token, s);
  }

  Resources::Ticket ticket(std::uint32_t slot) const {
    return (static_cast<Resources::Ticket>(slot) << 32) | slab[slot].token;
  }

  void session_data(std::uint32_t slot, std::uint32_t s, double now) {
    auto& m = slab[slot];
    m.computing = false;
    if (!options.resources->transfer(ticket(slot), m.group, s, m.bytes)) session_failed(slot, s, now);
  }

  void activity_end(std::uint32_t slot, std::uint32_t s, bool ok, double now) {
    auto& m = slab[slot];
    if (!ok) return session_failed(slot, s, now);
    const double back = groups[m.group].rtt[s] / 2;  // the 250 after the data
    if (m.computing) return push(now + back, Kind::session_done, slot, m.token, s);
    if (servers[s].spec.work) {
      m.computing = true;
      if (!options.resources->compute(ticket(slot), s, m.processing)) session_failed(slot, s, now);
      return;
    }
    push(now + m.processing + back, Kind::session_done, slot, m.token, s);
  }

  // A transfer or the work failed (a link or host went down under it): the
  // client hears nothing more and gives up after its command timeout.
  void session_failed(std::uint32_t slot, std::uint32_t s, double now) {
    release_session(slot, s, now);
    auto& m = slab[slot];
    ++m.token;
    push(now + groups[m.group].profile.command_timeout, Kind::connect_failed, slot, m.token, s,
         static_cast<std::uint8_t>(Outcome::timeout));
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

  // Every connection ends here: statistics, the trace, and host memory.
  void attempt_ended(std::uint32_t slot, std::uint32_t s, Outcome outcome, double now) {
    auto& m = slab[slot];
    auto& mta = mtas[m.mta];
    stats->outcome(now, s, outcome);
    // Greylisting and 5xx concern the message: the host answered.
    const auto result = outcome == Outcome::accepted  ? selection::Result::success
                        : outcome == Outcome::timeout ? selection::Result::timeout
                        : outcome == Outcome::refused ? selection::Result::refused
                        : outcome == Outcome::greylisted || outcome == Outcome::rejected
                            ? selection::Result::answered
                            : selection::Result::tempfail;
    mta.policy->on_attempt_end(s, now, result, now - m.attempt_start);
    const bool host_failed = outcome == Outcome::timeout || outcome == Outcome::refused ||
                             outcome == Outcome::tempfail || outcome == Outcome::busy_tempfail;
    if (host_failed) ++m.host_failures;
    if (options.trace) {
      *options.trace << fmt::format("{},{},{},{},{},{},{},{}\n", round6(m.attempt_start), m.id, groups[m.group].name,
                                    mta.index, servers[s].address, servers[s].host, report::outcome_name(outcome),
                                    round6(now - m.attempt_start));
    }
    const auto& profile = groups[m.group].profile;
    if (profile.memory == mta::HostMemory::none || profile.memory == mta::HostMemory::dead_destination) {
      if (outcome == Outcome::accepted) mta.destination(m.domain).dead_until = 0;
      return;
    }
    if (outcome == Outcome::accepted) {
      if (s < mta.hosts.size()) mta.hosts[s] = HostRecord{};
      return;
    }
    // Only the host's own failures count: greylisting and 5xx concern the message.
    if (!host_failed) return;
    if (mta.hosts.empty()) mta.hosts.resize(servers.size());
    auto& h = mta.hosts[s];
    switch (profile.memory) {
      case mta::HostMemory::retry_records:
        if (h.first_failure < 0) h.first_failure = now;
        h.last_gap = mta::exim_gap(now - h.first_failure, h.last_gap);
        h.skip_until = now + h.last_gap;
        break;
      case mta::HostMemory::host_status: h.skip_until = now + profile.host_status_timeout; break;
      case mta::HostMemory::route_penalty:
        ++h.penalty;
        h.skip_until = now + std::min(profile.penalty_unit * h.penalty * h.penalty, profile.penalty_max);
        break;
      default: break;
    }
  }

  void session_done(std::uint32_t slot, std::uint32_t s, double now) {
    auto& m = slab[slot];
    release_session(slot, s, now);
    attempt_ended(slot, s, Outcome::accepted, now);
    const double latency = now - m.submitted;
    if (!m.first_hop_done) {
      m.first_hop_done = true;
      stats->first_hop(m.origin_group, latency);
    }
    if (servers[s].relay_mta >= 0) return hand_to_relay(slot, s, now);
    stats->delivered(now, m.origin_group, latency);
    end_message(slot, now);
  }

  // A backup MX accepted the message: it now queues and forwards it with its
  // own profile, cache and host memory; delivery ends at a final server.
  void hand_to_relay(std::uint32_t slot, std::uint32_t s, double now) {
    release_delivery(slot, now);
    auto& m = slab[slot];
    const auto relay = static_cast<std::uint32_t>(servers[s].relay_mta);
    m.mta = relay;
    m.group = mtas[relay].group;
    m.retry = mta::RetryState{now, -1, 0, 0};
    attempt(slot, now);
  }

  void backlog_timeout(std::uint32_t slot, std::uint32_t s, double now) {
    --servers[s].backlog_live;
    ++slab[slot].token;  // its backlog entry is now stale
    attempt_ended(slot, s, Outcome::timeout, now);
    try_next(slot, now);
  }

  void connect_failed(std::uint32_t slot, std::uint32_t s, Outcome outcome, double now) {
    attempt_ended(slot, s, outcome, now);
    if (outcome == Outcome::rejected && groups[slab[slot].group].profile.on_5xx == mta::On5xx::bounce)
      return bounce(slot, report::BounceReason::rejected, now);
    try_next(slot, now);
  }

  void defer(std::uint32_t slot, double now) {
    auto& m = slab[slot];
    const auto& profile = groups[m.group].profile;
    ++m.retry.failures;
    if (m.retry.first_failure < 0) m.retry.first_failure = now;
    if (mta::expired(profile, m.retry, now)) return bounce(slot, report::BounceReason::expired, now);
    ++m.token;
    m.waiting_retry = true;
    stats->deferred(now);
    push(mta::next_retry(profile, m.retry, now), Kind::attempt, slot, m.token);
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
      total.greylisted += c.greylisted;
      total.rejected += c.rejected;
    }
    j["attempts"] = {{"connections", total.connections},
                     {"accepted", total.accepted},
                     {"timeouts", total.timeouts},
                     {"refused", total.refused},
                     {"tempfail", total.tempfail},
                     {"greylisted", total.greylisted},
                     {"rejected", total.rejected},
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
           {"greylisted", c.greylisted},
           {"rejected", c.rejected},
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
    auto sender_list = nlohmann::json::array();
    for (std::uint32_t g = 0; g < scenario.senders.size(); ++g) {
      sender_list.push_back({{"name", groups[g].name},
                             {"profile", groups[g].profile.name},
                             {"first_hop", latency_json(stats->first_hop_latency(g), scenario.report.percentiles)},
                             {"delivery", latency_json(stats->delivery_latency(g), scenario.report.percentiles)}});
    }
    j["senders"] = sender_list;
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
  w.stats = std::make_unique<report::Stats>(std::move(labels), scenario.senders.size(), scenario.report.bin,
                                            options.timeseries, options.queue);
  w.build_events();
  for (std::uint32_t g = 0; g < w.groups.size(); ++g) {
    if (w.groups[g].rate <= 0) continue;  // a relay's group
    ++w.arrivals_open;
    w.schedule_arrival(g, 0.0);
  }
  if (options.trace) *options.trace << "start_s,message,sender,mta,address,host,outcome,duration_s\n";
  if (!w.network) {
    const bool links = std::any_of(scenario.servers.begin(), scenario.servers.end(),
                                   [](const auto& s) { return s.uplink.has_value(); }) ||
                       std::any_of(scenario.senders.begin(), scenario.senders.end(),
                                   [](const auto& g) { return g.link.has_value() || g.size.has_value(); });
    if (links)
      w.warnings.push_back("uplink, link and size take effect only with engine: {sessions: network}");
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
const scenario::ServerSpec& World::server_spec(std::uint32_t s) const { return impl_->servers[s].spec; }
std::vector<std::uint32_t> World::servers_for_key(const std::string& key) const { return impl_->servers_named(key); }
std::size_t World::group_count() const { return impl_->groups.size(); }
const std::string& World::group_name(std::uint32_t g) const { return impl_->groups[g].name; }
int World::group_relay_server(std::uint32_t g) const { return impl_->groups[g].relay_server; }
double World::group_rtt(std::uint32_t g, std::uint32_t s) const { return impl_->groups[g].rtt[s]; }
void World::set_round_trip(std::uint32_t g, std::uint32_t s, double rtt) { impl_->groups[g].rtt[s] = rtt; }

void World::activity_done(Resources::Ticket ticket, bool ok, double t) {
  const auto slot = static_cast<std::uint32_t>(ticket >> 32);
  const auto token = static_cast<std::uint32_t>(ticket & 0xffffffffU);
  auto& w = *impl_;
  if (slot >= w.slab.size() || w.slab[slot].token != token) return;  // the session ended otherwise
  w.push(t, Kind::activity_end, slot, token, w.slab[slot].session_server, ok ? 1 : 0);
}
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
    const auto windows = event_windows(e, until);
    out.insert(out.end(), windows.begin(), windows.end());
  }
  return merge_windows(std::move(out));
}

std::vector<DownWindow> event_windows(const scenario::Event& e, double until) {
  std::vector<DownWindow> out;
  for (double start = e.at; start < until; start += e.every.value_or(World::kNever)) {
    out.push_back({start, start + e.length});
    if (!e.every) break;
  }
  return out;
}

std::vector<DownWindow> merge_windows(std::vector<DownWindow> windows) {
  std::sort(windows.begin(), windows.end(), [](const auto& x, const auto& y) { return x.start < y.start; });
  std::vector<DownWindow> merged;
  for (const auto& d : windows) {
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
