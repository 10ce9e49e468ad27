// Filling the summary: what ran (scenario path and digests), latency blocks
// and the CDF from the histograms, per-server rows with their share of the
// domain and utilization, fairness per preference level, per-sender
// latencies, the bounce reasons and the faults as applied.
#include "report/summary.hpp"

#include <fmt/format.h>

#include "model/world.hpp"
#include "report/fairness.hpp"
#include "report/stats.hpp"
#include "util/sha256.hpp"

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

std::vector<double> cdf(const Histogram& h) {
  std::vector<double> out;
  for (const double p : kCdfPercentiles) out.push_back(round6(p < 100 ? h.percentile(p) : h.max()));
  return out;
}

void add(ServerCounters& total, const ServerCounters& c) {
  for (const auto& field : kServerCounterFields) total.*field.value += c.*field.value;
}

std::vector<double> cdf_percentiles() {
  // Every whole percent, and the tail, where a mail outage shows.
  std::vector<double> out{0.1, 0.5};
  for (int p = 1; p <= 99; ++p) out.push_back(p);
  for (const double p : {99.5, 99.8, 99.9, 99.95, 99.99, 99.999, 100.0}) out.push_back(p);
  return out;
}

}  // namespace

const std::vector<double> kCdfPercentiles = cdf_percentiles();

Summary summarize(const Stats& stats, const AppliedEvents& applied, const model::World& world, const RunInfo& run) {
  const auto& scenario = world.scenario();
  const auto& percentiles = scenario.report.percentiles;
  const auto& msg = stats.messages();
  Summary out;
  out.mxsim_version = MXSIM_VERSION;
  out.scenario = scenario.name;
  out.scenario_path = scenario.file;
  out.scenario_sha256 = scenario.sha256;
  out.zone_sha256 = util::sha256_hex(scenario.zone_text);
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
  out.latency_cdf = {.percentiles = kCdfPercentiles,
                     .first_hop_s = cdf(stats.first_hop_latency()),
                     .delivery_s = cdf(stats.delivery_latency())};

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
    if (!bound.mail_target && c.connections == 0) continue;  // a name server's or web host's address
    const auto domain_total = accepted_by_domain[static_cast<std::size_t>(bound.domain + 1)];
    const Busy busy = stats.busy(s);
    out.servers.push_back(
        {.host = bound.host,
         .address = bound.address,
         .preference = bound.preference >= 0 ? std::optional<int>(bound.preference) : std::nullopt,
         .counters = c,
         .share = round6(domain_total ? static_cast<double>(c.accepted) / static_cast<double>(domain_total) : 0.0),
         .busy_session_s = round6(busy.busy_session_s),
         .up_s = round6(busy.up_s),
         .utilization = round6(busy.utilization),
         .utilization_peak_bin = round6(busy.peak_bin_utilization)});
  }

  // Levels in the order fairness_levels() gave them to the statistics.
  std::size_t level_index = 0;
  for (const auto& d : topology.domains()) {
    for (const auto& level : d.levels) {
      const auto& while_up = stats.accepted_while_level_up(level_index++);
      std::vector<double> loads(while_up.begin(), while_up.end());
      std::uint64_t accepted = 0;
      for (const auto& host : level.hosts)
        for (auto s : topology.servers_named(host)) accepted += stats.server(s).accepted;
      out.groups.push_back({.domain = d.name,
                            .preference = level.preference,
                            .hosts = level.hosts,
                            .accepted = accepted,
                            .accepted_while_up = while_up,
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
  auto applied_windows = applied.windows(run.end);
  out.fault_windows = std::move(applied_windows.listed);
  out.fault_windows_more = applied_windows.more;
  for (auto& w : out.fault_windows) {
    w.start_s = round6(w.start_s);
    w.end_s = round6(w.end_s);
  }
  out.zone_changes = applied.zone_changes();
  for (auto& z : out.zone_changes) z.at_s = round6(z.at_s);
  out.warnings = world.warnings();
  // What validate's capacity check estimates, as it happened.
  for (const auto& row : out.servers)
    if (row.counters.busy_tempfail > 0)
      out.warnings.push_back(fmt::format(
          "{} ({}) ran out of sessions: {} connections refused with 421 (sessions and backlog full), its busiest "
          "bin at {:.0f}% of its sessions",
          row.host, row.address, row.counters.busy_tempfail, 100 * row.utilization_peak_bin));
  return out;
}

}  // namespace mxsim::report
