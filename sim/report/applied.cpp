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
  if (windows_.size() >= kListedWindows) {
    ++heard_more_;
    open_[event].push_back(kUnlisted);
    return;
  }
  open_[event].push_back(windows_.size());
  windows_.push_back({.event = event, .fault = fault_name(e.fault), .target = shown_target(e.target), .start_s = t, .end_s = t,
                      .until_end = true});
}

void AppliedEvents::fault_ended(double t, std::uint32_t event) {
  auto& open = open_[event];
  if (open.empty()) return;
  const auto index = open.front();
  open.pop_front();
  if (index == kUnlisted) return;
  auto& w = windows_[index];
  w.end_s = t;
  w.until_end = false;
}

AppliedEvents::Windows AppliedEvents::windows(double end) const {
  Windows out{.listed = windows_, .more = heard_more_};
  for (auto& w : out.listed)
    if (w.until_end) w.end_s = end;
  // Heard windows come in order of start, and so do each scheduled event's:
  // the first kListedWindows of each source hold the first kListedWindows
  // of all; the rest are only counted.
  for (std::uint32_t i = 0; i < scenario_.events.size(); ++i) {
    const auto& e = scenario_.events[i];
    if (heard_[i] || e.fault == scenario::Fault::zone_update) continue;
    model::EventWindows windows(e, end);
    std::size_t taken = 0;
    for (model::DownWindow w; windows.next(w);) {
      if (taken == kListedWindows) {
        ++out.more;
        continue;
      }
      ++taken;
      out.listed.push_back({.event = i, .fault = fault_name(e.fault), .target = shown_target(e.target),
                            .start_s = w.start, .end_s = std::min(w.end, end), .until_end = !(w.end < end)});
    }
  }
  std::stable_sort(out.listed.begin(), out.listed.end(), [](const FaultWindow& a, const FaultWindow& b) {
    return a.start_s != b.start_s ? a.start_s < b.start_s : a.event < b.event;
  });
  if (out.listed.size() > kListedWindows) {
    out.more += out.listed.size() - kListedWindows;
    out.listed.resize(kListedWindows);
  }
  return out;
}

}  // namespace mxsim::report
