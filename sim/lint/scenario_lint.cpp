// The scenario checks of `mxsim validate` and the table of every check. The
// capacity check is steady-state arithmetic (sessions over mean session
// time against the arrival rate), not a simulation: `mxsim run` shows the rest.
#include "lint/scenario_lint.hpp"

#include <fmt/format.h>

#include <algorithm>
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
      {"backup-capacity", "warning", "RFC 5321 §4.5.4.1",
       "the next MX level serves fewer messages/s than the domain receives when the best level is down"},
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

  void backup_capacity(const ZoneDb& db, std::vector<Finding>& out) const {
    // The load every address carries in normal operation: its domains' mail
    // where it is among the best hosts.
    std::map<AddressId, double> normal;
    std::map<AddressId, std::vector<Flow>> normal_flows;
    for (const NameId domain : domains_) {
      const MxSet set = mx_set(db, domain);
      if (set.null_mx || set.hosts.empty()) continue;
      const auto best = levels(set).front();
      for (const MxHost* h : hosts_at(set, best))
        for (AddressId a : h->addresses) {
          const double share = 1.0 / static_cast<double>(hosts_at(set, best).size() * h->addresses.size());
          for (const Flow& f : flows_.at(domain)) {
            normal[a] += f.rate * share;
            normal_flows[a].push_back({f.group, f.rate * share});
          }
        }
    }
    for (const NameId domain : domains_) {
      const MxSet set = mx_set(db, domain);
      if (set.null_mx || set.hosts.empty()) continue;
      const auto all_levels = levels(set);
      if (all_levels.size() < 2) continue;
      const auto backups = hosts_at(set, all_levels[1]);
      for (const MxHost* h : backups) {
        double load = 0, capacity = 0, sessions = 0, session_time = 0;
        for (AddressId a : h->addresses) {
          const double share = 1.0 / static_cast<double>(backups.size() * h->addresses.size());
          std::vector<Flow> flows = normal_flows.count(a) ? normal_flows.at(a) : std::vector<Flow>{};
          double address_load = normal.count(a) ? normal.at(a) : 0.0;
          for (const Flow& f : flows_.at(domain)) {
            flows.push_back({f.group, f.rate * share});
            address_load += f.rate * share;
          }
          const auto [n, t] = server_capacity(a, flows);
          load += address_load;
          capacity += n / t;
          sessions += n;
          session_time = t;
        }
        if (load <= capacity) continue;
        const std::string& host = db.name(h->name);
        const auto& server = topology_.servers()[h->addresses.front()];
        const util::Location where = server.configured ? server.spec.where : location_of(db, domain, h->name);
        out.push_back(
            {"backup-capacity", "warning", where,
             fmt::format("backup MX {} (preference {} of {}) serves about {:.3g} messages/s ({:g} sessions / "
                         "{:.3g} s per session), but takes {:.3g} messages/s when the preference-{} hosts are "
                         "down: the rest is refused with 421 (or dropped), and senders retry on their own "
                         "schedules (RFC 5321 §4.5.4.1), so mail waits in their queues for the whole outage; "
                         "give it more sessions or a faster service",
                         host, h->preference, db.name(domain), capacity, sessions, session_time, load,
                         all_levels[0]),
             "RFC 5321 §4.5.4.1",
             {fact("domain", db.name(domain)), fact("target", host), fact("capacity_per_s", capacity),
              fact("load_per_s", load)}});
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
    lint.backup_capacity(state, more);
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
