// The model's side of a scenario bound to its zone (scenario::Topology):
// each server's run state, sender groups with their profiles, round trips
// and recipient domains, their MTAs and selection policies, and relays.
#include <stdexcept>

#include <fmt/format.h>

#include "model/world_impl.hpp"
#include "util/error.hpp"

namespace mxsim::model {

using scenario::Fault;

void World::Impl::build_servers() {
  const auto& bound = topology.servers();
  servers.resize(bound.size());
  auto v6 = std::make_shared<std::vector<std::uint8_t>>(bound.size());
  for (std::uint32_t a = 0; a < bound.size(); ++a) {
    servers[a].spec = bound[a].spec;
    servers[a].rng = util::Rng::derive(options.seed, util::stable_hash("server:" + bound[a].address));
    (*v6)[a] = bound[a].ipv6 ? 1 : 0;
  }
  ipv6 = std::move(v6);
  weights = std::make_shared<const std::vector<double>>(topology.weights());
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
    Group group = make_group("relay:" + topology.servers()[s].host, server.spec.relay_profile, std::nullopt, {},
                             server.spec.where);
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
    group.rtt = topology.round_trips(g);
    auto recipients = topology.recipients(g);
    group.domains = std::move(recipients.domains);
    group.cumulative_weight = std::move(recipients.cumulative_weight);
    group.arrivals = util::Rng::derive(options.seed, util::stable_hash("arrivals:" + g.name));
    if (sessions.shares_resources()) group.size = g.size;  // sizes matter only to transfers
    group.sizes = util::Rng::derive(options.seed, util::stable_hash("sizes:" + g.name));
    groups.push_back(std::move(group));
  }
  mtas.reserve(mta_count);
  for (std::uint32_t g = 0; g < groups.size(); ++g) add_mtas(g, groups[g].mtas);
  build_relays();
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
