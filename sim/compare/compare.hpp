// The macro benchmark's tables: what `mxsim compare` keeps of each run's
// summary.json, the CSV of every run, the intervals CSV (means and 95%
// Student-t intervals over the replications, the paired differences against
// the baseline) and the markdown table made from the same intervals. No
// processes here: app/compare.cpp runs them.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace mxsim::compare {

// The figures of one run (one scenario, one policy, one seed).
struct Metrics {
  std::uint64_t submitted = 0, delivered = 0, bounced = 0, pending = 0;
  double first_hop_p50 = 0, first_hop_p99 = 0;  // s
  double delivery_p50 = 0, delivery_p99 = 0, delivery_mean = 0;  // s
  double timeouts_per_message = 0;     // attempts that timed out / messages submitted
  double tempfail_per_message = 0;     // 421s (busy or faults) / messages submitted
  double connections_per_message = 0;
  // The best (lowest) preference level of the first recipient domain: its
  // hosts' accepted messages as max/mean and Jain's index, and the highest
  // session utilization among its servers.
  double max_over_mean_best_level = 1, jain_index_best_level = 1, utilization_max_best_level = 0;
};

// A metric of Metrics: its CSV column (unit in the name), its table heading.
struct MetricColumn {
  const char* name;
  const char* title;
  double Metrics::*field;
};
// Every metric, in CSV order (the message counts come before them).
const std::vector<MetricColumn>& metric_columns();

// Throws std::runtime_error when a field of the contract is missing.
Metrics metrics_of(const nlohmann::json& summary);

// One run's place in the comparison. status: "" not run (interrupted),
// "ok", "conservation" (the run broke it), "error" (no summary).
struct Cell {
  std::uint64_t seed = 0;
  std::string status;
  std::optional<Metrics> metrics;  // for ok runs
};

struct Comparison {
  std::vector<std::string> scenarios;     // scenario names
  std::vector<std::string> descriptions;  // one per scenario
  std::vector<std::string> policies;
  std::vector<std::uint64_t> seeds;       // the replications
  std::vector<std::vector<std::vector<Cell>>> cells;  // [scenario][policy][replication]

  Comparison(std::vector<std::string> scenario_names, std::vector<std::string> scenario_descriptions,
             std::vector<std::string> policy_names, std::vector<std::uint64_t> replication_seeds);
};

// 97.5% quantile of Student's t with `dof` degrees of freedom (Boost.Math):
// the two-sided 95% interval. NaN below one degree of freedom.
double t_975(int dof);
// The same for any two-sided confidence level in (0, 1): the (1 + confidence)/2
// quantile. NaN below one degree of freedom or outside (0, 1).
double t_two_sided(double confidence, int dof);

struct Interval {
  double mean = 0;
  double sd = 0;          // sample standard deviation; NaN with fewer than two values
  double half_width = 0;  // of the interval (95% unless asked); NaN with fewer than two values
  std::size_t n = 0;
};
// The mean with its two-sided Student-t interval at `confidence`.
Interval mean_interval(std::span<const double> values, double confidence = 0.95);

// What a paired difference shows, from its interval: "lower" or "higher"
// when the interval excludes 0 (the markdown table calls a lower delivery
// p99 better); "identical" when every replication gave the
// same value as the baseline; "no difference shown" when it includes 0, when
// every difference is equal but not 0 (no spread to build an interval from:
// percentiles come from histogram buckets, and equal values usually mean the
// same bucket, not a measured effect), or below two replications.
std::string verdict(const Interval& difference);

// One header line, then one row per cell that ran (ok or failed), in
// scenario, policy, seed order; `footer` (if any) is appended as a comment
// line starting with "# ".
std::string csv(const Comparison& c, const std::string& footer = "");

// The intervals behind the markdown table, for plots and scripts: per
// scenario, policy and metric the mean over the ok replications with its 95%
// interval; then per scenario, policy and metric the paired difference
// against `baseline` with its verdict. Same footer as csv().
std::string intervals_csv(const Comparison& c, const std::string& baseline, const std::string& footer = "");

// Per scenario: a table of means +- 95% CI half-widths per policy, and the
// paired difference of delivery p99 against `baseline` (same seeds: the
// policies see the same arrivals). `note`, if any, is printed first (bold).
std::string markdown(const Comparison& c, const std::string& baseline, const std::string& note = "");

}  // namespace mxsim::compare
