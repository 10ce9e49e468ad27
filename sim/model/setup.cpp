// The model's side of a scenario bound to its zone (scenario::Topology):
// each server's run state, sender groups with their profiles, round trips
// and recipient domains, their MTAs and selection policies, and relays.
#include <algorithm>
#include <stdexcept>
#include <unordered_set>

#include <fmt/format.h>

#include "model/world_impl.hpp"
#include "mta/kernel.hpp"
#include "mta/phase.hpp"
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

// The loader has checked the profile, the policy and every override at
// their own keys; a scenario built in code that names an unknown one is
// reported at the group.
Group World::Impl::make_group(const std::string& name, const std::string& profile_name,
                              const std::optional<std::string>& selection,
                              const std::vector<std::pair<std::string, double>>& overrides,
                              double kernel_limit, const util::Location& where) {
  Group group;
  group.name = name;
  try {
    group.profile = mta::configured_profile(profile_name, overrides);
    group.selection = selection.value_or(group.profile.selection);
    if (!selection::is_policy(group.selection))
      throw std::invalid_argument(fmt::format("unknown selection policy \"{}\"", group.selection));
  } catch (const std::invalid_argument& e) {
    throw util::InputError(where, fmt::format("senders \"{}\": {}", name, e.what()));
  }
  // A silent host: the sending kernel stops retransmitting the SYN before a
  // longer MTA timeout ends the wait (Exim spec, connect_timeout: "must be
  // less than the system timeout"; mta/kernel.hpp).
  group.profile.connect_timeout = mta::effective_connect_timeout(group.profile.connect_timeout, kernel_limit);
  return group;
}

// `shared_resolvers` > 0: the group's MTAs share that many caches (MTA i
// uses cache i mod N), as an ISP's MTAs behind one recursive resolver do.
void World::Impl::add_mtas(std::uint32_t g, std::uint32_t count, std::uint32_t shared_resolvers) {
  const auto& group = groups[g];
  const auto first_resolver = static_cast<std::uint32_t>(resolvers.size());
  const std::uint32_t caches = shared_resolvers > 0 ? shared_resolvers : count;
  for (std::uint32_t r = 0; r < caches; ++r) resolvers.emplace_back(&db);
  // Each MTA's timers run from its own start: a phase uniform over one period
  // from a stream of its own, unless the scenario fixes it (`queue_phase`).
  const double period = mta::timer_period(group.profile);
  for (std::uint32_t i = 0; i < count; ++i) {
    Mta mta{.rng = util::Rng::derive(options.seed, util::stable_hash("mta:" + group.name), i),
            .resolver = first_resolver + i % caches,
            .group = g,
            .index = i};
    util::Rng phases = util::Rng::derive(options.seed, util::stable_hash("phase:" + group.name), i);
    mta.phase = group.profile.queue_phase >= 0 ? mta::normalize_phase(group.profile.queue_phase, period)
                                                : mta::draw_phase(period, phases);
    selection::PolicyContext context;
    context.servers = static_cast<std::uint32_t>(servers.size());
    context.weights = weights;
    context.ipv6 = ipv6;
    context.seed = mta.rng.next();  // Sendmail: the seed its processes' mxrand seeds come from
    mta.seed = context.seed;
    mta.policy = selection::make_policy(group.selection, context);
    mtas.push_back(std::move(mta));
  }
}

// At t = 0 a resolver in steady state holds each answer its MTAs use with a
// remaining TTL uniform over (0, TTL] (dns: {caches: warm}, the default);
// cold caches start empty and so all expire in step.
// The fill happens at a resolver's first use, from the zone as it stood at
// t = 0 and a random stream of the resolver's own: the same cache as a fill
// up front. A zone update changes the zone in place, so a scenario with one
// fills every cache up front.
void World::Impl::warm_resolvers() {
  if (scenario.dns.caches == scenario::Caches::cold) return;
  std::unordered_set<dns::NameId> seen;  // a scan of every_domain made 2x10^4 domains quadratic
  for (const auto& g : groups)
    for (auto d : g.domains)
      if (seen.insert(d).second) every_domain.push_back(d);
  unwarmed.assign(resolvers.size(), -1);
  for (const auto& mta : mtas)
    if (unwarmed[mta.resolver] < 0) unwarmed[mta.resolver] = static_cast<std::int32_t>(mta.group);
  const bool updates = std::any_of(scenario.events.begin(), scenario.events.end(),
                                   [](const auto& e) { return e.fault == Fault::zone_update; });
  if (!updates) return;
  for (std::uint32_t r = 0; r < resolvers.size(); ++r) {
    if (options.stop != nullptr && options.stop->load(std::memory_order_relaxed)) return;
    warm(r);
  }
}

void World::Impl::warm(std::uint32_t r) {
  if (r >= unwarmed.size() || unwarmed[r] < 0) return;
  const auto& group = groups[static_cast<std::size_t>(unwarmed[r])];
  unwarmed[r] = -1;
  // A relay forwards mail for every recipient domain.
  const auto& domains = group.relay_server >= 0 ? every_domain : group.domains;
  util::Rng rng = util::Rng::derive(options.seed, util::stable_hash("resolver:" + group.name), r);
  for (auto d : domains) resolvers[r].warm(d, 0.0, rng);
}

// Each backup MX with role relay is also a sending MTA of its own profile.
void World::Impl::build_relays() {
  for (std::uint32_t s = 0; s < servers.size(); ++s) {
    auto& server = servers[s];
    if (server.spec.role != scenario::Role::relay) continue;
    Group group = make_group("relay:" + topology.servers()[s].host, server.spec.relay_profile, std::nullopt, {},
                             mta::kernel_connect_limit("linux"), server.spec.where);
    group.rate = 0;
    group.first_mta = static_cast<std::uint32_t>(mtas.size());
    group.mtas = 1;
    group.relay_server = static_cast<int>(s);
    group.rtt.assign(servers.size(), server.spec.relay_rtt);
    groups.push_back(std::move(group));
    const auto g = static_cast<std::uint32_t>(groups.size() - 1);
    server.relay_mta = static_cast<int>(mtas.size());
    add_mtas(g, 1, 0);
    mtas.back().self_server = static_cast<int>(s);
  }
}

void World::Impl::build_groups() {
  std::uint32_t mta_count = 0;
  for (const auto& g : scenario.senders) {
    const double kernel_limit = g.os_connect_limit > 0 ? g.os_connect_limit : mta::kernel_connect_limit(g.os);
    Group group = make_group(g.name, g.profile, g.selection, g.overrides, kernel_limit,
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
  for (std::uint32_t g = 0; g < groups.size(); ++g)
    add_mtas(g, groups[g].mtas, static_cast<std::uint32_t>(scenario.senders[g].resolvers));
  build_relays();
  warm_resolvers();
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
