// Binding faults to servers and domains; the windows of `down` faults.
#include "model/faults.hpp"

#include <algorithm>
#include <cmath>
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

std::vector<const scenario::Event*> Faults::down_events(std::uint32_t server) const {
  std::vector<const scenario::Event*> out;
  for (std::size_t i = 0; i < events_.size(); ++i) {
    const auto& e = events_[i];
    if (e.fault != Fault::down) continue;
    const auto& targets = servers_[i];
    if (std::find(targets.begin(), targets.end(), server) != targets.end()) out.push_back(&e);
  }
  return out;
}

EventWindows::EventWindows(const scenario::Event& e, double until)
    : start_(e.at), length_(e.length), every_(e.every.value_or(0)), until_(until), done_(!(e.at < until)) {}

bool EventWindows::next(DownWindow& out) {
  if (done_) return false;
  out = {.start = start_, .end = start_ + length_};
  // The same sum, step by step, as the model's own periodic timer
  // (World::Impl::fault_start adds `every` to the last start).
  if (every_ > 0) start_ += every_;
  done_ = every_ <= 0 || !(start_ < until_);
  return true;
}

MergedWindows::MergedWindows(const std::vector<const scenario::Event*>& events, double until) {
  sources_.reserve(events.size());
  for (const auto* e : events) sources_.emplace_back(*e, until);
}

bool MergedWindows::next(DownWindow& out) {
  auto earliest = [this]() -> EventWindows* {
    EventWindows* best = nullptr;
    for (auto& s : sources_)
      if (s.peek() < std::numeric_limits<double>::infinity() && (best == nullptr || s.peek() < best->peek())) best = &s;
    return best;
  };
  auto* first = earliest();
  if (first == nullptr) return false;
  first->next(out);
  DownWindow w;
  while (auto* s = earliest()) {
    if (!(s->peek() <= out.end)) break;
    s->next(w);
    out.end = std::max(out.end, w.end);
    // A window that never ends swallows every later one.
    if (!std::isfinite(out.end)) {
      for (auto& rest : sources_) rest.finish();
      break;
    }
  }
  return true;
}

}  // namespace mxsim::model
