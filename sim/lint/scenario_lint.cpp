// The scenario checks of `mxsim validate` and the table of every check. The
// capacity checks are steady-state arithmetic (sessions over mean session
// time against the arrival rate, Erlang B for the share refused), not a
// simulation: `mxsim run` shows the rest.
#include "lint/scenario_lint.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <tuple>

#include "dns/resolver.hpp"
#include "mta/profile.hpp"
#include "scenario/topology.hpp"

namespace mxsim::lint {

using dns::AddressId;
using dns::Fact;
using dns::Finding;
using dns::NameId;
using dns::ZoneDb;

const std::vector<Check>& checks() {
  static const std::vector<Check> table{
      {"mx-cname", "warning", "RFC 2181 §10.3", "an MX target is an alias (CNAME)"},
      {"mx-no-address", "error", "RFC 5321 §5.1",
       "an MX target has no A/AAAA record; fact in_zone tells in-zone names from out-of-zone ones"},
      {"mx-target-address", "error", "RFC 1035 §3.3.9", "an MX target is an IP address written as a name"},
      {"null-mx-with-others", "error", "RFC 7505 §3", "a null MX beside other MX records"},
      {"null-mx-preference", "error", "RFC 7505 §3", "a null MX with a preference other than 0"},
      {"duplicate-mx", "warning", "RFC 2181 §5", "one MX target listed twice"},
      {"mx-shared-address", "warning", "RFC 5321 §5.1", "several MX names of a domain on one address"},
      {"mx-same-subnet", "warning", "RFC 2182 §3.1", "every MX address of a domain in one /24 (IPv4) or /48 (IPv6)"},
      {"no-mx", "warning/error", "RFC 5321 §5.1, RFC 7505",
       "a recipient domain without MX: implicit MX (warning) or no mail target at all (error)"},
      {"level-capacity", "warning/notice", "RFC 5321 §4.5.4.1",
       "a host of the best MX level is offered more than it serves in normal operation (warning), or Erlang B "
       "refuses more than 5% of its connections (notice)"},
      {"backup-capacity", "warning/notice", "RFC 5321 §4.5.4.1",
       "a backup MX level serves fewer messages/s than the domain receives when every better level is down "
       "(warning), or Erlang B refuses more than 5% of its connections then (notice)"},
      {"relay-loop", "error", "RFC 5321 §5.1",
       "a role: relay server among the best MX of a domain: nothing better to forward to"},
  };
  return table;
}

namespace {

Fact fact(std::string key, std::string value) { return {std::move(key), std::move(value)}; }
Fact fact(std::string key, double value) { return {std::move(key), value}; }
Fact fact(std::string key, int value) { return {std::move(key), static_cast<long long>(value)}; }

// One MX host of a domain as a sender sees it: preference, name, addresses.
struct MxHost {
  std::uint16_t preference = 0;
  NameId name = dns::kNoName;
  std::vector<AddressId> addresses;
};

struct MxSet {
  bool exists = false;   // the domain (after CNAMEs) exists in the zone
  bool implicit = false; // no MX records: the domain's own addresses at preference 0
  bool null_mx = false;
  std::vector<MxHost> hosts;  // in record order; hosts without an address are left out
};

NameId end_of_chain(const ZoneDb& db, NameId name) {
  for (int hops = 0; hops < dns::Resolver::kMaxCnameDepth; ++hops) {
    const dns::RrsetPtr alias = db.lookup(name, dns::Type::CNAME).rrset;
    if (!alias) break;
    name = alias->cname;
  }
  return name;
}

std::vector<AddressId> addresses_now(const ZoneDb& db, NameId name) {
  std::vector<AddressId> out;
  name = end_of_chain(db, name);
  for (auto type : {dns::Type::A, dns::Type::AAAA})
    if (const dns::RrsetPtr set = db.lookup(name, type).rrset)
      out.insert(out.end(), set->addresses.begin(), set->addresses.end());
  return out;
}

// What RFC 5321 §5.1 makes of a domain, read straight from the zone.
MxSet mx_set(const ZoneDb& db, NameId domain) {
  MxSet out;
  domain = end_of_chain(db, domain);
  const dns::Answer answer = db.lookup(domain, dns::Type::MX);
  if (answer.rcode == dns::Rcode::nxdomain) return out;
  out.exists = true;
  if (!answer.rrset) {
    out.implicit = true;
    if (auto addresses = addresses_now(db, domain); !addresses.empty())
      out.hosts.push_back({0, domain, std::move(addresses)});
    return out;
  }
  for (const dns::Mx& mx : answer.rrset->mx) {
    if (mx.exchange == db.root()) {
      out.null_mx = true;
      continue;
    }
    const bool seen = std::any_of(out.hosts.begin(), out.hosts.end(), [&](const MxHost& h) { return h.name == mx.exchange; });
    if (seen) continue;
    if (auto addresses = addresses_now(db, mx.exchange); !addresses.empty())
      out.hosts.push_back({mx.preference, mx.exchange, std::move(addresses)});
  }
  return out;
}

// Erlang B: the share of connections a server of `sessions` slots refuses
// when offered `erlangs` (arrival rate x mean session time), by the
// recursion B(0) = 1, B(k) = A B(k-1) / (k + A B(k-1)). Sessions limited
// by cores may be fractional: the whole slots count.
double erlang_b(double sessions, double erlangs) {
  const auto n = static_cast<long>(std::max(1.0, std::floor(sessions)));
  double b = 1;
  for (long k = 1; k <= n; ++k) b = erlangs * b / (static_cast<double>(k) + erlangs * b);
  return b;
}

// Messages per second each sender group sends to each domain.
struct Flow {
  std::size_t group;  // index into Scenario::senders
  double rate;
};

class ScenarioLint {
 public:
  ScenarioLint(const scenario::Scenario& s, const ZoneDb& db) : s_(s), db_(db), topology_(s, db) {
    for (std::size_t g = 0; g < s.senders.size(); ++g) {
      const auto& group = s.senders[g];
      rtt_.push_back(topology_.round_trips(group));
      const auto domains = topology_.recipients(group).domains;
      double total = 0;
      for (const auto& [domain, weight] : group.to) total += weight;
      for (std::size_t i = 0; i < domains.size(); ++i) {
        if (!flows_.count(domains[i])) domains_.push_back(domains[i]);
        flows_[domains[i]].push_back({g, group.rate * group.to[i].second / total});
      }
    }
  }

  void no_mx(std::vector<Finding>& out) const {
    for (const NameId domain : domains_) {
      const MxSet set = mx_set(db_, domain);
      if (!set.exists || !set.implicit) continue;
      const std::string& name = db_.name(domain);
      const auto& where = s_.senders[flows_.at(domain).front().group].where;
      if (set.hosts.empty()) {
        out.push_back({"no-mx", "error", where,
                       fmt::format("{} has no MX and no A or AAAA record: there is no mail target (RFC 5321 "
                                   "§5.1), so every message to it bounces; publish an MX, or a null MX \"0 .\" "
                                   "(RFC 7505) if it takes no mail",
                                   name),
                       "RFC 5321 §5.1", {fact("domain", name), fact("implicit_mx", "none")}});
      } else {
        out.push_back({"no-mx", "warning", where,
                       fmt::format("{} has no MX record: senders use its own address records as an implicit MX "
                                   "at preference 0 (RFC 5321 §5.1), with no backup; if that host is a web "
                                   "server it gets every message; publish an MX, or a null MX \"0 .\" (RFC "
                                   "7505) if the domain takes no mail",
                                   name),
                       "RFC 5321 §5.1", {fact("domain", name), fact("implicit_mx", db_.name(set.hosts[0].name))}});
      }
    }
  }

  // Every level of every domain: the best in normal operation, each other
  // one with every better level down (it then gets the domain's whole rate).
  void capacity(const ZoneDb& db, std::vector<Finding>& out) const {
    // The load every address carries in normal operation: its domains' mail
    // where it is among the best hosts.
    std::map<AddressId, std::vector<Flow>> normal_flows;
    for (const NameId domain : domains_) {
      const MxSet set = mx_set(db, domain);
      if (set.null_mx || set.hosts.empty()) continue;
      const auto best = hosts_at(set, levels(set).front());
      for (const MxHost* h : best)
        for (AddressId a : h->addresses) {
          const double share = 1.0 / static_cast<double>(best.size() * h->addresses.size());
          for (const Flow& f : flows_.at(domain)) normal_flows[a].push_back({f.group, f.rate * share});
        }
    }
    for (const NameId domain : domains_) {
      const MxSet set = mx_set(db, domain);
      if (set.null_mx || set.hosts.empty()) continue;
      const auto all_levels = levels(set);
      for (std::size_t level = 0; level < all_levels.size(); ++level) {
        const auto hosts = hosts_at(set, all_levels[level]);
        for (const MxHost* h : hosts) {
          Load load;
          for (AddressId a : h->addresses) {
            std::vector<Flow> flows = normal_flows.count(a) ? normal_flows.at(a) : std::vector<Flow>{};
            // A backup level's own share of the domain, with the better levels down.
            if (level > 0) {
              const double share = 1.0 / static_cast<double>(hosts.size() * h->addresses.size());
              for (const Flow& f : flows_.at(domain)) flows.push_back({f.group, f.rate * share});
            }
            load.add(a, flows, server_capacity(a, flows));
          }
          if (load.messages_per_s > load.capacity_per_s || load.blocking > kNoticeBlocking)
            out.push_back(capacity_finding(db, domain, *h, all_levels, level, load));
        }
      }
    }
  }

  void relay_loop(const ZoneDb& db, std::vector<Finding>& out) const {
    std::vector<NameId> domains = domains_;
    for (const auto& [owner, set] : db.all(dns::Type::MX))
      if (std::find(domains.begin(), domains.end(), owner) == domains.end()) domains.push_back(owner);
    for (const auto& spec : s_.servers) {
      if (spec.role != scenario::Role::relay) continue;
      const auto own = topology_.servers_named(spec.key);
      for (const NameId domain : domains) {
        const MxSet set = mx_set(db, domain);
        int level = -1;
        for (const MxHost& h : set.hosts) {
          const bool self = std::any_of(h.addresses.begin(), h.addresses.end(), [&](AddressId a) {
            return std::find(own.begin(), own.end(), a) != own.end();
          });
          if (self && (level < 0 || h.preference < level)) level = h.preference;
        }
        if (level < 0) continue;
        const bool better = std::any_of(set.hosts.begin(), set.hosts.end(), [&](const MxHost& h) { return h.preference < level; });
        if (better) continue;
        out.push_back(
            {"relay-loop", "error", spec.where,
             fmt::format("{} is a relay (profile {}) but is among the best MX of {} (preference {}{}): an MTA "
                         "that finds itself in the MX list drops its own level and every worse one (RFC 5321 "
                         "§5.1), so it has no better host to forward to and every message it accepts for {} "
                         "loops back to itself and bounces (\"loops back to myself\", 5.4.6); make it role: "
                         "final, or give the domain a better MX that delivers",
                         spec.key, spec.relay_profile, db.name(domain), level,
                         set.implicit ? ", as its implicit MX" : "", db.name(domain)),
             "RFC 5321 §5.1", {fact("domain", db.name(domain)), fact("server", spec.key), fact("preference", level)}});
      }
    }
  }

 private:
  // Erlang B refusing more than this share of connections is worth a notice: it
  // assumes Poisson arrivals and no backlog, and overstates what a queueing
  // sender sees (a backup at 2.9% by Erlang B gave no 421 in the README run).
  static constexpr double kNoticeBlocking = 0.05;

  // A host's offered load, over its addresses (each its own server).
  struct Load {
    double messages_per_s = 0, capacity_per_s = 0, sessions = 0, session_s = 0, erlangs = 0, blocking = 0;
    void add(AddressId, const std::vector<Flow>& flows, std::pair<double, double> capacity) {
      const auto [n, t] = capacity;
      double rate = 0;
      for (const Flow& f : flows) rate += f.rate;
      messages_per_s += rate;
      capacity_per_s += n / t;
      sessions += n;
      session_s = t;
      erlangs += rate * t;
      blocking = std::max(blocking, erlang_b(n, rate * t));
    }
  };

  Finding capacity_finding(const ZoneDb& db, NameId domain, const MxHost& h, const std::vector<std::uint16_t>& all_levels,
                           std::size_t level, const Load& load) const {
    const bool over = load.messages_per_s > load.capacity_per_s;
    const std::string& host = db.name(h.name);
    const auto& server = topology_.servers()[h.addresses.front()];
    const util::Location where = server.configured ? server.spec.where : location_of(db, domain, h.name);
    std::string better;
    for (std::size_t i = 0; i < level; ++i)
      better += fmt::format("{}{}", i == 0 ? "" : i + 1 == level ? " and " : ", ", all_levels[i]);
    const std::string when = level == 0 ? std::string("in normal operation")
                                        : fmt::format("when the preference-{} hosts are down", better);
    const std::string figures = fmt::format(
        "{} {} (preference {} of {}) serves about {:.3g} messages/s ({:g} sessions / {:.3g} s per session) and is "
        "offered {:.3g} messages/s {}: {:.3g} Erlangs on {:g} sessions, so Erlang B (no backlog) refuses about "
        "{:.3g}% of connections",
        level == 0 ? "MX" : "backup MX", host, h.preference, db.name(domain), load.capacity_per_s, load.sessions,
        load.session_s, load.messages_per_s, when, load.erlangs, load.sessions, 100 * load.blocking);
    const std::string advice =
        over ? "; the rest is refused with 421 (or dropped), and senders retry on their own schedules (RFC 5321 "
               "§4.5.4.1), so mail waits in their queues and may bounce when it outlives them; give it more sessions "
               "or a faster service"
             : "; senders retry what is refused, which delays that mail by their retry times";
    return {level == 0 ? "level-capacity" : "backup-capacity",
            over ? "warning" : "notice",
            where,
            figures + advice,
            "RFC 5321 §4.5.4.1",
            {fact("domain", db.name(domain)), fact("target", host), fact("preference", static_cast<int>(h.preference)),
             fact("levels_down", static_cast<int>(level)), fact("capacity_per_s", load.capacity_per_s),
             fact("load_per_s", load.messages_per_s), fact("offered_erlangs", load.erlangs),
             fact("sessions", load.sessions), fact("blocking", load.blocking)}};
  }

  static std::vector<std::uint16_t> levels(const MxSet& set) {
    std::set<std::uint16_t> out;
    for (const auto& h : set.hosts) out.insert(h.preference);
    return {out.begin(), out.end()};
  }
  static std::vector<const MxHost*> hosts_at(const MxSet& set, std::uint16_t preference) {
    std::vector<const MxHost*> out;
    for (const auto& h : set.hosts)
      if (h.preference == preference) out.push_back(&h);
    return out;
  }

  static util::Location location_of(const ZoneDb& db, NameId domain, NameId host) {
    if (const auto set = db.lookup(end_of_chain(db, domain), dns::Type::MX).rrset)
      for (const auto& mx : set->mx)
        if (mx.exchange == host) return mx.where;
    return {};
  }

  // Sessions and the mean session time of the server at `a`, the time
  // weighted by the flows that reach it: each group's dialogue
  // (round_trips x rtt) plus the service time.
  std::pair<double, double> server_capacity(AddressId a, const std::vector<Flow>& flows) const {
    const scenario::ServerSpec& spec = topology_.servers()[a].spec;
    // A server with `work` processes for work / speed seconds, and its cores
    // bound its throughput however many sessions it has.
    const double processing = spec.work && spec.cpu ? spec.work->mean / spec.cpu->speed : spec.service.mean;
    double weighted = 0, total = 0;
    for (const Flow& f : flows) {
      weighted += f.rate * (round_trips(s_.senders[f.group]) * rtt_[f.group][a] + processing);
      total += f.rate;
    }
    const double time = total > 0 ? weighted / total : processing;
    double sessions = spec.sessions;
    if (spec.work && spec.cpu) sessions = std::min(sessions, spec.cpu->cores * time / processing);
    return {sessions, time};
  }

  // The loader has checked the profile and every override against the registry.
  static double round_trips(const scenario::SenderGroup& g) {
    return mta::configured_profile(g.profile, g.overrides).round_trips;
  }

  const scenario::Scenario& s_;
  const ZoneDb& db_;
  scenario::Topology topology_;
  std::vector<std::vector<double>> rtt_;  // by sender group, by server
  std::vector<NameId> domains_;  // recipient domains, in order of first mention
  std::map<NameId, std::vector<Flow>> flows_;
};

std::string key_of(const Finding& f) {
  std::string key = f.check + "|" + f.where.str();
  for (const auto& [name, value] : f.facts)
    if (const auto* text = std::get_if<std::string>(&value)) key += "|" + *text;
  return key;
}

}  // namespace

std::vector<Finding> lint_scenario(const scenario::Scenario& s, const ZoneDb& db) {
  std::vector<Finding> findings;
  std::set<std::string> seen;
  auto keep = [&](std::vector<Finding> more) {
    for (auto& f : more)
      if (seen.insert(key_of(f)).second) findings.push_back(std::move(f));
  };
  const ScenarioLint lint(s, db);
  {
    std::vector<Finding> base = dns::lint_zone(db);
    lint.no_mx(base);
    keep(std::move(base));
  }
  // Each state the zone updates lead to, in event order: an update can make
  // a relay the best MX or move every MX into one network.
  ZoneDb state = db;
  std::size_t updates = 0;
  for (const auto& event : s.events) updates += event.fault == scenario::Fault::zone_update;
  for (std::size_t i = 0; i <= updates; ++i) {
    if (i > 0) {
      state.apply_update(i - 1);
      keep(dns::lint_zone(state));
    }
    std::vector<Finding> more;
    lint.capacity(state, more);
    lint.relay_loop(state, more);
    keep(std::move(more));
  }
  // A zone file's findings first, then the scenario file's, each in line order.
  auto rank = [&](const Finding& f) {
    return std::make_tuple(f.where.file == s.file, f.where.file, f.where.line, f.where.column);
  };
  std::stable_sort(findings.begin(), findings.end(),
                   [&](const Finding& a, const Finding& b) { return rank(a) < rank(b); });
  return findings;
}

}  // namespace mxsim::lint
