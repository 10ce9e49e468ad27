// Fault windows and zone updates as applied: heard from the model, or, for
// what the engine applies, expanded from the schedule up to the run's end.
#include "report/applied.hpp"

#include <algorithm>
#include <cmath>

#include "model/faults.hpp"

namespace mxsim::report {
namespace {

// Targets as the summary's host names are written: without the final dot.
std::string shown_target(const std::string& target) {
  return target.size() > 1 && target.back() == '.' ? target.substr(0, target.size() - 1) : target;
}

}  // namespace

const char* fault_name(scenario::Fault fault) {
  switch (fault) {
    case scenario::Fault::down: return "down";
    case scenario::Fault::refuse: return "refuse";
    case scenario::Fault::tempfail: return "tempfail";
    case scenario::Fault::slow: return "slow";
    case scenario::Fault::servfail: return "servfail";
    case scenario::Fault::zone_update: return "zone_update";
    case scenario::Fault::degrade: return "degrade";
  }
  return "unknown";
}

AppliedEvents::AppliedEvents(const scenario::Scenario& scenario)
    : scenario_(scenario), heard_(scenario.events.size(), false), open_(scenario.events.size()) {}

void AppliedEvents::fault_began(double t, std::uint32_t event) {
  const auto& e = scenario_.events[event];
  heard_[event] = true;
  if (e.fault == scenario::Fault::zone_update) {
    zone_changes_.push_back({.event = event, .at_s = t, .zone = e.zone_text});
    return;
  }
  open_[event].push_back(windows_.size());
  windows_.push_back({.event = event, .fault = fault_name(e.fault), .target = shown_target(e.target), .start_s = t, .end_s = t,
                      .until_end = true});
}

void AppliedEvents::fault_ended(double t, std::uint32_t event) {
  auto& open = open_[event];
  if (open.empty()) return;
  auto& w = windows_[open.front()];
  open.erase(open.begin());
  w.end_s = t;
  w.until_end = false;
}

std::vector<FaultWindow> AppliedEvents::windows(double end) const {
  std::vector<FaultWindow> out = windows_;
  for (auto& w : out)
    if (w.until_end) w.end_s = end;
  for (std::uint32_t i = 0; i < scenario_.events.size(); ++i) {
    const auto& e = scenario_.events[i];
    if (heard_[i] || e.fault == scenario::Fault::zone_update) continue;
    for (const auto& w : model::event_windows(e, end)) {
      if (w.start > end) break;
      out.push_back({.event = i, .fault = fault_name(e.fault), .target = shown_target(e.target), .start_s = w.start,
                     .end_s = std::min(w.end, end), .until_end = !(w.end < end)});
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const FaultWindow& a, const FaultWindow& b) {
    return a.start_s != b.start_s ? a.start_s < b.start_s : a.event < b.event;
  });
  return out;
}

}  // namespace mxsim::report
