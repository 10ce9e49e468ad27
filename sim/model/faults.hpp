// The scenario's events bound to what they act on: the servers a fault
// targets, the domain a `servfail` fails, the zone update a `zone_update`
// applies; the SERVFAIL set the resolvers see; and `down` windows for the
// engine's host state profiles, generated one at a time (a periodic event
// with `every: 1s` over a year has 3x10^7 windows: never all in memory).
#pragma once

#include <cstdint>
#include <limits>
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

// An event's windows (from `at`, lasting `for`), a periodic one repeated
// while its start is before `until`, one at a time in order of start.
class EventWindows {
 public:
  EventWindows(const scenario::Event& e, double until);
  // The next window; false when there is none left.
  bool next(DownWindow& out);
  // The start of the next window (infinite when none is left).
  double peek() const { return done_ ? std::numeric_limits<double>::infinity() : start_; }
  void finish() { done_ = true; }

 private:
  double start_;
  double length_;
  double every_;  // 0: once
  double until_;
  bool done_;
};

// The windows of several events joined: overlapping and touching windows
// become one, in order of start. A state profile that alternates off and on,
// generated as it is consumed: memory in proportion to the number of events.
class MergedWindows {
 public:
  MergedWindows(const std::vector<const scenario::Event*>& events, double until);
  bool next(DownWindow& out);

 private:
  std::vector<EventWindows> sources_;  // few: scanned for the earliest
};

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

  // The `down` events that target a server, in scenario order.
  std::vector<const scenario::Event*> down_events(std::uint32_t server) const;

 private:
  const std::vector<scenario::Event>& events_;
  std::vector<std::vector<std::uint32_t>> servers_;  // by event
  std::vector<dns::NameId> domain_;                  // servfail events
  std::vector<std::size_t> update_;                  // zone updates
  dns::ServfailSet servfail_;
};

}  // namespace mxsim::model
