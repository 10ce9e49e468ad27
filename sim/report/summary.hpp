// A run's summary as typed data: what summary.json, servers.csv and the text
// summary say, filled from the statistics and the model's layout, turned
// into text only by the writers (report/writers.hpp). Every number is
// already rounded as it is written.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "report/applied.hpp"
#include "report/counters.hpp"
#include "report/histogram.hpp"

namespace mxsim::model {
class World;
}

namespace mxsim::report {

class Stats;

// Outputs keep microseconds: enough for any latency, stable across platforms.
inline double round6(double x) { return std::round(x * 1e6) / 1e6; }

struct Latency {
  std::uint64_t count = 0;
  double mean = 0, p50 = 0, p90 = 0, p99 = 0, p999 = 0, max = 0;
  // The scenario's `report: {percentiles:}`, by their label ("99.99").
  std::map<std::string, double> percentiles;
};

struct Messages {
  std::uint64_t submitted = 0;
  std::uint64_t delivered = 0;
  std::uint64_t bounced = 0;
  std::uint64_t pending = 0;
};

struct Attempts {
  ServerCounters totals;  // over every server
  double per_message_mean = 0;
  double messages_per_connection = 0;  // over the connections that ended
};

// The latency distribution at kCdfPercentiles, for plots: each value is a
// histogram percentile (within 1%), the last the exact maximum.
struct LatencyCdf {
  std::vector<double> percentiles;
  std::vector<double> first_hop_s;
  std::vector<double> delivery_s;
};

struct ServerRow {
  std::string host;
  std::string address;
  std::optional<int> preference;  // none: no domain's MX target
  ServerCounters counters;
  double share = 0;        // of its domain's accepted messages
  // Over the span the server received traffic, while its host was up:
  double busy_session_s = 0;
  double up_s = 0;
  double utilization = 0;           // busy_session_s / (sessions x up_s)
  double utilization_peak_bin = 0;  // the same in the busiest report bin
};

// One preference level of one recipient domain: hosts that should share load.
struct FairnessGroup {
  std::string domain;
  int preference = 0;
  std::vector<std::string> hosts;
  std::uint64_t accepted = 0;
  // What the fairness figures compare: each host's messages (all its
  // addresses together) accepted while every host of the level was up.
  std::vector<std::uint64_t> accepted_while_up;
  double jain_index = 0;
  double max_over_mean = 0;
  double chi2_p = 0;
};

struct SenderRow {
  std::string name;
  std::string profile;
  Latency first_hop;
  Latency delivery;
};

struct Summary {
  std::string mxsim_version;
  std::string scenario;
  std::string scenario_path;    // as given on the command line
  std::string scenario_sha256;  // of the scenario file's bytes
  std::string zone_sha256;      // of the zone text (inline or zone_file)
  std::string description;
  std::uint64_t seed = 0;
  double simulated_s = 0;
  double wall_s = 0;
  bool complete = true;
  Messages messages;
  Latency first_hop;
  Latency delivery;
  LatencyCdf latency_cdf;
  Attempts attempts;
  std::vector<ServerRow> servers;
  std::vector<FairnessGroup> groups;
  std::vector<SenderRow> senders;
  std::array<std::uint64_t, kBounceReasons> bounces{};
  std::vector<FaultWindow> fault_windows;  // the first AppliedEvents::kListedWindows
  std::uint64_t fault_windows_more = 0;   // windows left out of the list
  std::vector<ZoneChange> zone_changes;
  std::vector<std::string> warnings;
};

struct RunInfo {
  std::uint64_t seed = 0;
  double end = 0;     // simulated seconds reached
  double wall_s = 0;
};

// Percentiles of latency_cdf: dense in the tail, where mail latencies spread.
extern const std::vector<double> kCdfPercentiles;

// `stats` must be finished at `run.end`.
Summary summarize(const Stats& stats, const AppliedEvents& applied, const model::World& world, const RunInfo& run);

}  // namespace mxsim::report
