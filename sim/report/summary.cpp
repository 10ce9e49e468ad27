// Filling the summary: latency blocks from the histograms, per-server rows
// with their share of the domain, fairness per preference level, per-sender
// latencies and the bounce reasons.
#include "report/summary.hpp"

#include <fmt/format.h>

#include "model/world.hpp"
#include "report/fairness.hpp"
#include "report/stats.hpp"

#ifndef MXSIM_VERSION
#define MXSIM_VERSION "dev"
#endif

namespace mxsim::report {
namespace {

Latency latency(const Histogram& h, const std::vector<double>& extra) {
  Latency l{.count = h.count(),
            .mean = round6(h.mean()),
            .p50 = round6(h.percentile(50)),
            .p90 = round6(h.percentile(90)),
            .p99 = round6(h.percentile(99)),
            .p999 = round6(h.percentile(99.9)),
            .max = round6(h.max()),
            .percentiles = {}};
  for (double p : extra) l.percentiles[fmt::format("{}", p)] = round6(h.percentile(p));
  return l;
}

void add(ServerCounters& total, const ServerCounters& c) {
  for (const auto& field : kServerCounterFields) total.*field.value += c.*field.value;
}

}  // namespace

Summary summarize(const Stats& stats, const model::World& world, const RunInfo& run) {
  const auto& scenario = world.scenario();
  const auto& percentiles = scenario.report.percentiles;
  const auto& msg = stats.messages();
  Summary out;
  out.mxsim_version = MXSIM_VERSION;
  out.scenario = scenario.name;
  out.description = scenario.description;
  out.seed = run.seed;
  out.simulated_s = round6(run.end);
  out.wall_s = round6(run.wall_s);
  out.messages = {.submitted = msg.submitted,
                  .delivered = msg.delivered,
                  .bounced = msg.bounced,
                  .pending = msg.in_flight()};
  out.first_hop = latency(stats.first_hop_latency(), percentiles);
  out.delivery = latency(stats.delivery_latency(), percentiles);

  const auto servers = static_cast<std::uint32_t>(world.server_count());
  for (std::uint32_t s = 0; s < servers; ++s) add(out.attempts.totals, stats.server(s));
  const auto connections = out.attempts.totals.connections;
  out.attempts.per_message_mean =
      round6(msg.submitted ? static_cast<double>(connections) / static_cast<double>(msg.submitted) : 0.0);
  const auto closed = out.attempts.totals.connections_closed;
  out.attempts.messages_per_connection =
      round6(closed ? static_cast<double>(out.attempts.totals.closed_messages) / static_cast<double>(closed) : 0.0);

  // `share`: of the messages accepted by the servers of the same domain
  // (index 0: servers of no domain).
  const auto& topology = world.topology();
  std::vector<std::uint64_t> accepted_by_domain(topology.domains().size() + 1, 0);
  for (std::uint32_t s = 0; s < servers; ++s)
    accepted_by_domain[static_cast<std::size_t>(topology.servers()[s].domain + 1)] += stats.server(s).accepted;
  for (std::uint32_t s = 0; s < servers; ++s) {
    const auto& c = stats.server(s);
    const auto& bound = topology.servers()[s];
    const auto domain_total = accepted_by_domain[static_cast<std::size_t>(bound.domain + 1)];
    const double capacity = world.server_spec(s).sessions * run.end;
    out.servers.push_back(
        {.host = bound.host,
         .address = bound.address,
         .preference = bound.preference >= 0 ? std::optional<int>(bound.preference) : std::nullopt,
         .counters = c,
         .share = round6(domain_total ? static_cast<double>(c.accepted) / static_cast<double>(domain_total) : 0.0),
         .utilization = round6(capacity > 0 ? stats.busy_seconds(s) / capacity : 0.0)});
  }

  for (const auto& d : topology.domains()) {
    for (const auto& level : d.levels) {
      std::vector<double> loads;
      std::uint64_t accepted = 0;
      for (const auto& host_servers : level.servers) {
        std::uint64_t n = 0;
        for (auto s : host_servers) n += stats.server(s).accepted;
        loads.push_back(static_cast<double>(n));
        accepted += n;
      }
      out.groups.push_back({.domain = d.name,
                            .preference = level.preference,
                            .hosts = level.hosts,
                            .accepted = accepted,
                            .jain_index = round6(jain_index(loads)),
                            .max_over_mean = round6(max_over_mean(loads)),
                            .chi2_p = round6(chi_square_p(loads))});
    }
  }
  for (std::uint32_t g = 0; g < scenario.senders.size(); ++g) {
    out.senders.push_back({.name = world.group_name(g),
                           .profile = world.group_profile(g).name,
                           .first_hop = latency(stats.first_hop_latency(g), percentiles),
                           .delivery = latency(stats.delivery_latency(g), percentiles)});
  }
  out.bounces = msg.bounces;
  out.warnings = world.warnings();
  return out;
}

}  // namespace mxsim::report
