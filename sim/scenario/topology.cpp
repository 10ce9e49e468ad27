// The scenario bound to its zone (topology.hpp): the one place that says
// which addresses a key names, which settings a server has, what round trip a
// group sees to each server and what each recipient domain's MX set is.
#include "scenario/topology.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <tuple>

#include "dns/resolver.hpp"
#include "scenario/text.hpp"

namespace mxsim::scenario {
namespace {

using util::InputError;

// Locations a scenario made in code may lack: the entry's own then.
const Location& or_else(const Location& where, const Location& fallback) {
  return where.line > 0 ? where : fallback;
}

}  // namespace

Topology::Topology(const Scenario& scenario, const dns::ZoneDb& db) : db_(&db) {
  check_names(scenario);
  bind_servers(scenario);
  lay_out_domains(scenario);
}

std::vector<std::uint32_t> Topology::servers_named(std::string_view key) const {
  const auto address = db_->find_address(key);
  if (address != dns::kNoName) return {address};
  const auto name = db_->find_name(key);
  if (name == dns::kNoName) return {};
  return db_->addresses_of(name);
}

// In the order the file gives them: servers, then each sender group's rtt
// keys and `to:` domains, then the events' targets.
void Topology::check_names(const Scenario& scenario) const {
  auto server = [&](const std::string& key, const Location& where, const std::string& path) {
    if (!servers_named(key).empty()) return;
    const bool known = !is_address_key(key) && db_->find_name(key) != dns::kNoName;
    throw InputError(where, fmt::format("{}: {} {}", path, shown(key),
                                        known ? "owns no address (A or AAAA) in the zone"
                                              : "names no host or address in the zone"));
  };
  auto domain = [&](const std::string& name, const Location& where, const std::string& path) {
    if (db_->find_name(name) == dns::kNoName)
      throw InputError(where, fmt::format("{}: {} is not a name in the zone", path, shown(name)));
  };
  for (const auto& spec : scenario.servers) server(spec.key, spec.where, "servers");
  for (std::size_t g = 0; g < scenario.senders.size(); ++g) {
    const SenderGroup& group = scenario.senders[g];
    const auto path = fmt::format("senders[{}]", g);
    std::vector<std::pair<Location, std::string>> rtt_keys;
    for (const auto& [key, rtt] : group.rtt_by_server) {
      const auto where = group.rtt_where.find(key);
      rtt_keys.emplace_back(
          where != group.rtt_where.end() ? or_else(where->second, group.where) : group.where, key);
    }
    std::stable_sort(rtt_keys.begin(), rtt_keys.end(), [](const auto& a, const auto& b) {
      return std::tie(a.first.line, a.first.column) < std::tie(b.first.line, b.first.column);
    });
    for (const auto& [where, key] : rtt_keys) server(key, where, path + ".rtt");
    for (std::size_t i = 0; i < group.to.size(); ++i)
      domain(group.to[i].first,
             i < group.to_where.size() ? or_else(group.to_where[i], group.where) : group.where, path + ".to");
  }
  for (std::size_t i = 0; i < scenario.events.size(); ++i) {
    const Event& event = scenario.events[i];
    if (event.on_link || event.fault == Fault::zone_update) continue;
    const Location& where = or_else(event.target_where, event.where);
    if (event.fault == Fault::servfail)
      domain(event.target, where, fmt::format("events[{}].dns", i));
    else
      server(event.target, where, fmt::format("events[{}].target", i));
  }
}

void Topology::bind_servers(const Scenario& scenario) {
  servers_.resize(db_->address_count());
  for (std::uint32_t a = 0; a < servers_.size(); ++a) {
    BoundServer& s = servers_[a];
    s.address = db_->address(a);
    const auto& owners = db_->owners(a);
    s.host = owners.empty() ? s.address : strip_dot(db_->name(owners.front()));
    s.spec.key = s.address;
    s.ipv6 = db_->is_ipv6(a);
  }
  // Host entries first, then address entries, which are more specific.
  for (const bool addresses : {false, true}) {
    for (const auto& spec : scenario.servers) {
      if ((db_->find_address(spec.key) != dns::kNoName) != addresses) continue;
      for (const auto a : servers_named(spec.key)) {
        servers_[a].spec = spec;
        servers_[a].configured = true;
      }
    }
  }
}

std::vector<double> Topology::weights() const {
  std::vector<double> out(servers_.size());
  for (std::size_t a = 0; a < servers_.size(); ++a) out[a] = servers_[a].spec.weight;
  return out;
}

std::vector<double> Topology::round_trips(const SenderGroup& group) const {
  std::vector<double> out(servers_.size(), group.rtt);
  for (const auto& [key, rtt] : group.rtt_by_server)
    for (const auto s : servers_named(key)) out[s] = rtt;
  return out;
}

Recipients Topology::recipients(const SenderGroup& group) const {
  Recipients out;
  double total = 0;
  for (const auto& [domain, weight] : group.to) {
    out.domains.push_back(db_->find_name(domain));
    total += weight;
    out.cumulative_weight.push_back(total);
  }
  for (auto& w : out.cumulative_weight) w /= total;
  return out;
}

// Each recipient domain's MX set as a fresh resolver sees it in the base
// zone. A server belongs to the first domain it serves, at its preference
// there, for `share`, `preference` and the per-level fairness report.
void Topology::lay_out_domains(const Scenario& scenario) {
  std::vector<dns::NameId> seen;
  for (const auto& group : scenario.senders)
    for (const auto d : recipients(group).domains)
      if (std::find(seen.begin(), seen.end(), d) == seen.end()) seen.push_back(d);
  for (const auto d : seen) {
    DomainLayout layout;
    layout.name = strip_dot(db_->name(d));
    dns::Resolver fresh(db_);
    for (const auto& t : fresh.resolve_mx(d, 0, dns::ServfailSet{}).targets) {
      auto level = std::find_if(layout.levels.begin(), layout.levels.end(),
                                [&](const MxLevel& l) { return l.preference == t.preference; });
      if (level == layout.levels.end()) {
        layout.levels.push_back({.preference = t.preference, .hosts = {}, .servers = {}});
        level = layout.levels.end() - 1;
      }
      const auto host = strip_dot(db_->name(t.host));
      auto h = std::find(level->hosts.begin(), level->hosts.end(), host);
      if (h == level->hosts.end()) {
        level->hosts.push_back(host);
        level->servers.emplace_back();
        h = level->hosts.end() - 1;
      }
      level->servers[static_cast<std::size_t>(h - level->hosts.begin())].push_back(t.address);
      BoundServer& server = servers_[t.address];
      server.mail_target = true;
      if (server.domain < 0) {
        server.domain = static_cast<int>(domains_.size());
        server.preference = t.preference;
      }
    }
    std::sort(layout.levels.begin(), layout.levels.end(),
              [](const MxLevel& x, const MxLevel& y) { return x.preference < y.preference; });
    domains_.push_back(std::move(layout));
  }
  // Servers that only zone updates make MX targets belong to their domain
  // too, so that `share` compares them with the hosts they replace.
  const auto updates =
      static_cast<std::size_t>(std::count_if(scenario.events.begin(), scenario.events.end(),
                                             [](const Event& e) { return e.fault == Fault::zone_update; }));
  if (updates == 0) return;
  dns::ZoneDb updated = *db_;
  for (std::size_t u = 0; u < updates; ++u) updated.apply_update(u);
  for (std::size_t i = 0; i < seen.size(); ++i) {
    dns::Resolver fresh(&updated);
    for (const auto& t : fresh.resolve_mx(seen[i], 0, dns::ServfailSet{}).targets) {
      BoundServer& server = servers_[t.address];
      server.mail_target = true;
      if (server.domain >= 0) continue;
      server.domain = static_cast<int>(i);
      server.preference = t.preference;
    }
  }
  // A target of a state between updates only (added, then removed again).
  dns::ZoneDb between = *db_;
  for (std::size_t u = 0; u + 1 < updates; ++u) {
    between.apply_update(u);
    dns::Resolver fresh(&between);
    for (const auto d : seen)
      for (const auto& t : fresh.resolve_mx(d, 0, dns::ServfailSet{}).targets) servers_[t.address].mail_target = true;
  }
}

}  // namespace mxsim::scenario
