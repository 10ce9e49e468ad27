// Binding a scenario to the zone: one server per address with its spec
// (host entries first, then the more specific address entries), sender
// groups with their profiles, round trips and recipient domains, their MTAs,
// relays, and the MX layout of each recipient domain.
#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

#include "model/world_impl.hpp"
#include "util/error.hpp"

namespace mxsim::model {

using scenario::Fault;

std::string strip_dot(const std::string& name) {
  if (name.size() > 1 && name.back() == '.') return name.substr(0, name.size() - 1);
  return name;
}

std::vector<std::uint32_t> servers_named(const dns::ZoneDb& db, const std::string& key) {
  const auto address = db.find_address(key);
  if (address != dns::kNoName) return {address};
  std::vector<std::uint32_t> out;
  const auto name = db.find_name(key);
  if (name != dns::kNoName)
    for (auto a : db.addresses_of(name)) out.push_back(a);
  return out;
}

void World::Impl::build_servers() {
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
      for (auto a : servers_named(db, spec.key)) servers[a].spec = spec;
    }
  }
  auto v6 = std::make_shared<std::vector<std::uint8_t>>(servers.size());
  for (std::uint32_t a = 0; a < servers.size(); ++a) (*v6)[a] = db.is_ipv6(a) ? 1 : 0;
  ipv6 = std::move(v6);
  auto w = std::make_shared<std::vector<double>>(servers.size());
  for (std::uint32_t a = 0; a < servers.size(); ++a) (*w)[a] = servers[a].spec.weight;
  weights = std::move(w);
}

Group World::Impl::make_group(const std::string& name, const std::string& profile_name,
                              const std::optional<std::string>& selection,
                              const std::vector<std::pair<std::string, double>>& overrides,
                              const util::Location& where) {
  Group group;
  group.name = name;
  try {
    group.profile = mta::profile_by_name(profile_name);
    group.selection = group.profile.selection;
    if (selection) {
      if (!selection::is_policy(*selection)) {
        std::string known;
        for (const auto& n : selection::policy_names()) known += (known.empty() ? "" : ", ") + n;
        throw std::invalid_argument(
            fmt::format("selection \"{}\" is unknown; known: {} (and health-aware:NAME)", *selection, known));
      }
      group.selection = *selection;
    }
    for (const auto& [parameter, value] : overrides) mta::apply_override(group.profile, parameter, value);
  } catch (const std::invalid_argument& e) {
    throw util::InputError(where, fmt::format("senders \"{}\": {}", name, e.what()));
  }
  return group;
}

void World::Impl::add_mtas(std::uint32_t g, std::uint32_t count) {
  for (std::uint32_t i = 0; i < count; ++i) {
    Mta mta{.rng = util::Rng::derive(options.seed, util::stable_hash("mta:" + groups[g].name), i),
            .resolver = dns::Resolver(&db),
            .group = g,
            .index = i};
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
void World::Impl::build_relays() {
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

void World::Impl::build_groups() {
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
      const auto named = servers_named(db, key);
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
          for (auto s : servers_named(db, key)) own[s] = true;
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
    if (sessions.shares_resources()) group.size = g.size;  // sizes matter only to transfers
    group.sizes = util::Rng::derive(options.seed, util::stable_hash("sizes:" + g.name));
    groups.push_back(std::move(group));
  }
  mtas.reserve(mta_count);
  for (std::uint32_t g = 0; g < groups.size(); ++g) add_mtas(g, groups[g].mtas);
  build_relays();
}

// The MX layout of each recipient domain in the base zone, for `share`,
// `preference` and the per-level fairness report.
void World::Impl::build_domains() {
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
        layout.levels.push_back({.preference = t.preference, .hosts = {}, .servers = {}});
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
  const auto updates = static_cast<std::size_t>(std::count_if(
      scenario.events.begin(), scenario.events.end(), [](const auto& e) { return e.fault == Fault::zone_update; }));
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

// Faults the model times itself; `down` ones the engine may time instead.
void World::Impl::schedule_faults() {
  for (std::uint32_t i = 0; i < scenario.events.size(); ++i) {
    const auto& e = scenario.events[i];
    if (e.on_link) continue;  // link faults are SimGrid link profiles (the engine)
    if (e.fault == Fault::down && options.outages_from_engine) continue;
    queue.push_fault(e.at, EventKind::fault_start, i);
  }
}

}  // namespace mxsim::model
