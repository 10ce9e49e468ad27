// The scenario's events bound to what they act on: the servers a fault
// targets, the domain a `servfail` fails, the zone update a `zone_update`
// applies; the SERVFAIL set the resolvers see; and `down` windows for the
// engine's host state profiles.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dns/resolver.hpp"
#include "dns/zone.hpp"
#include "scenario/scenario.hpp"
#include "scenario/topology.hpp"

namespace mxsim::model {

struct DownWindow {
  double start = 0;
  double end = 0;
};

// Sorted, with overlapping and touching windows joined: a state profile
// that alternates off and on.
std::vector<DownWindow> merge_windows(std::vector<DownWindow> windows);

// An event's windows (from `at`, lasting `for`), a periodic one expanded up to `until`.
std::vector<DownWindow> event_windows(const scenario::Event& e, double until);

class Faults {
 public:
  Faults(const scenario::Scenario& scenario, const dns::ZoneDb& db, const scenario::Topology& topology);

  const scenario::Event& event(std::uint32_t index) const { return events_[index]; }
  std::size_t size() const { return events_.size(); }
  const std::vector<std::uint32_t>& servers(std::uint32_t index) const { return servers_[index]; }
  // A zone_update event: which of the zone's updates it applies.
  std::size_t update(std::uint32_t index) const { return update_[index]; }
  // A servfail event begins or ends.
  void servfail(std::uint32_t index, int delta);
  const dns::ServfailSet& servfail_set() const { return servfail_; }

  // `down` windows of a server, periodic ones expanded up to `until`.
  std::vector<DownWindow> down_windows(std::uint32_t server, double until) const;

 private:
  const std::vector<scenario::Event>& events_;
  std::vector<std::vector<std::uint32_t>> servers_;  // by event
  std::vector<dns::NameId> domain_;                  // servfail events
  std::vector<std::size_t> update_;                  // zone updates
  dns::ServfailSet servfail_;
};

}  // namespace mxsim::model
