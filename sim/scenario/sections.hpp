// The readers of a scenario file's sections and its checks against the zone,
// which loader.cpp runs in turn (internal to the scenario library). Each
// reader fills its part of the Scenario from the YAML the Reader hands it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "dns/zone.hpp"
#include "scenario/scenario.hpp"
#include "scenario/topology.hpp"
#include "scenario/yaml_reader.hpp"

namespace mxsim::scenario {

// --- read_header.cpp: name, description, seed, duration, horizon; engine and
// platform; zone or zone_file; report.
void read_header(const Reader& r, const Fields& top, Scenario& scenario);
void read_engine(const Reader& r, const Fields& top, Scenario& scenario);
void read_zone(const Reader& r, const Fields& top, Scenario& scenario);
Report read_report(const Reader& r, const Entry& entry, const Scenario& scenario);

// --- read_values.cpp: values servers and senders write alike.
// How one distribution's values are written: service times, flops, sizes.
struct DistributionUnits {
  std::string_view what;       // "a duration": for "expected <what> or a map {dist, mean, sigma}"
  std::string_view mean_hint;  // for a missing mean
  double (*value)(const Reader&, const Entry&, const std::string&);
  double max;  // bound of a lognormal mean derived from its median
  std::string_view limit;
};
Distribution read_distribution(const Reader& r, const Entry& entry, const std::string& path,
                               const DistributionUnits& units);
// A link of the network session model (not with a platform file, which has its own).
LinkSpec read_link(const Reader& r, const Entry& entry, const std::string& path, const Scenario& scenario);

// --- read_servers.cpp, read_senders.cpp
void read_servers(const Reader& r, const Entry& entry, Scenario& scenario);
void read_senders(const Reader& r, const Entry& entry, Scenario& scenario);

// --- read_events.cpp
// An event target that, with a platform file, names a link of that file
// unless the zone knows it; decided once the zone is parsed.
struct PlatformTarget {
  std::size_t event;
  std::string text;      // as written: platform link names keep their case
  Location fault_where;  // of the fault's value
};
std::vector<PlatformTarget> read_events(const Reader& r, const Entry& entry, Scenario& scenario);
// Only down and degrade apply to a link, and degrade only to a link.
void check_link_fault(const Event& event, const Location& fault_where, const std::string& fault_path);

// --- zone_checks.cpp: what needs the zone parsed.
// As build_zone(), within the limits, with the key of the text that failed in the message.
dns::ZoneDb parse_zones(const Reader& r, const Fields& top, const Scenario& scenario);
// timeseries.csv has a row per report bin and server address.
void check_report_rows(const Reader& r, const Fields& top, const Scenario& scenario, const dns::ZoneDb& db);
// With a platform file, a target the zone does not know names a link of that file.
void resolve_platform_targets(const std::vector<PlatformTarget>& targets, const dns::ZoneDb& db,
                              Scenario& scenario);
// Two entries for one address would give one server two configurations.
void check_configured_once(const Scenario& scenario, const Topology& topology, const dns::ZoneDb& db);
// Contradictory faults on one server or link cannot overlap in time.
void check_overlaps(const Scenario& scenario, const Topology& topology, const dns::ZoneDb& db);

}  // namespace mxsim::scenario
