// Binding faults to servers and domains; the windows of `down` faults.
#include "model/faults.hpp"

#include <algorithm>
#include <limits>

namespace mxsim::model {

using scenario::Fault;

Faults::Faults(const scenario::Scenario& scenario, const dns::ZoneDb& db, const scenario::Topology& topology)
    : events_(scenario.events),
      servers_(scenario.events.size()),
      domain_(scenario.events.size(), dns::kNoName),
      update_(scenario.events.size(), 0) {
  std::size_t updates = 0;
  for (std::uint32_t i = 0; i < events_.size(); ++i) {
    const auto& e = events_[i];
    if (e.on_link) continue;  // link faults are SimGrid link profiles (the engine)
    switch (e.fault) {
      case Fault::zone_update: update_[i] = updates++; break;
      case Fault::servfail: domain_[i] = db.find_name(e.target); break;
      default: servers_[i] = topology.servers_named(e.target); break;
    }
  }
}

void Faults::servfail(std::uint32_t index, int delta) {
  auto& list = servfail_.domains;
  ++servfail_.generation;
  if (delta > 0) {
    list.push_back(domain_[index]);
  } else if (auto it = std::find(list.begin(), list.end(), domain_[index]); it != list.end()) {
    list.erase(it);
  }
}

std::vector<DownWindow> Faults::down_windows(std::uint32_t server, double until) const {
  std::vector<DownWindow> out;
  for (std::size_t i = 0; i < events_.size(); ++i) {
    const auto& e = events_[i];
    if (e.fault != Fault::down) continue;
    const auto& targets = servers_[i];
    if (std::find(targets.begin(), targets.end(), server) == targets.end()) continue;
    const auto windows = event_windows(e, until);
    out.insert(out.end(), windows.begin(), windows.end());
  }
  return merge_windows(std::move(out));
}

std::vector<DownWindow> event_windows(const scenario::Event& e, double until) {
  std::vector<DownWindow> out;
  for (double start = e.at; start < until; start += e.every.value_or(std::numeric_limits<double>::infinity())) {
    out.push_back({.start = start, .end = start + e.length});
    if (!e.every) break;
  }
  return out;
}

std::vector<DownWindow> merge_windows(std::vector<DownWindow> windows) {
  std::sort(windows.begin(), windows.end(), [](const auto& x, const auto& y) { return x.start < y.start; });
  std::vector<DownWindow> merged;
  for (const auto& d : windows) {
    if (!merged.empty() && d.start <= merged.back().end) {
      merged.back().end = std::max(merged.back().end, d.end);
    } else {
      merged.push_back(d);
    }
  }
  return merged;
}

}  // namespace mxsim::model
