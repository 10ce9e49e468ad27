// Host state profiles and link changes generated on use. See fault_schedule.hpp.
#include "engine/fault_schedule.hpp"

#include <cmath>
#include <limits>
#include <memory>

namespace mxsim::engine {

using simgrid::kernel::profile::DatedValue;
using simgrid::kernel::profile::ProfileBuilder;

simgrid::kernel::profile::Profile* host_profile(const std::string& name, model::MergedWindows windows) {
  struct State {
    model::MergedWindows windows;
    double last = 0;  // the date of the last value appended
  };
  auto state = std::make_shared<State>(State{std::move(windows), 0});
  // Dates are kept as SimGrid keeps them: each one relative to the one
  // before (as its own text profiles are read), values 0 (off) and 1 (on).
  auto feed = [state](std::vector<DatedValue>& values) {
    model::DownWindow w;
    if (!state->windows.next(w)) return;
    values.emplace_back(w.start - state->last, 0);
    state->last = w.start;
    if (!std::isfinite(w.end)) return;
    values.emplace_back(w.end - w.start, 1);
    state->last = w.end;
  };
  return ProfileBuilder::from_callback(name, feed, -1);
}

void HostChanges::add(const sg4::Host* host, model::MergedWindows windows) {
  hosts_.push_back(Host{.host = host, .windows = std::move(windows)});
  const auto h = hosts_.size() - 1;
  if (hosts_[h].windows.next(hosts_[h].current)) next_.emplace(hosts_[h].current.start, h);
}

void HostChanges::advance(std::size_t h) {
  auto& host = hosts_[h];
  if (!host.at_end && std::isfinite(host.current.end)) {
    host.at_end = true;
    next_.emplace(host.current.end, h);
    return;
  }
  host.at_end = false;
  if (host.windows.next(host.current)) next_.emplace(host.current.start, h);
}

double HostChanges::next_time() const {
  return next_.empty() ? std::numeric_limits<double>::infinity() : next_.top().first;
}

bool HostChanges::take_until(double t, double& when, const sg4::Host*& host, bool& up) {
  if (next_.empty() || next_.top().first > t) return false;
  const auto h = next_.top().second;
  when = next_.top().first;
  host = hosts_[h].host;
  up = hosts_[h].at_end;
  next_.pop();
  advance(h);
  return true;
}

void LinkChanges::add_degrade(sg4::Link* link, const scenario::Event& e, double until) {
  const auto rank = ranks_++;
  const double nominal = link->get_bandwidth();
  for (auto kind : {Stream::Kind::degrade_start, Stream::Kind::degrade_end}) {
    Stream s{.link = link, .kind = kind, .nominal = nominal, .degraded = nominal * e.factor};
    s.event.emplace_back(e, until);
    s.rank = rank;
    streams_.push_back(std::move(s));
    advance(streams_.size() - 1);
  }
}

void LinkChanges::add_down(sg4::Link* link, model::MergedWindows windows) {
  Stream s{.link = link, .kind = Stream::Kind::down};
  s.merged.push_back(std::move(windows));
  s.at_end = true;  // the first advance reads a window
  s.rank = ranks_++;
  streams_.push_back(std::move(s));
  advance(streams_.size() - 1);
}

// Within a source, a window's start comes before its end, and window k's
// changes before window k+1's (the order they were listed in).
void LinkChanges::advance(std::size_t i) {
  auto& s = streams_[i];
  if (s.kind == Stream::Kind::down) {
    if (!s.at_end && std::isfinite(s.current.end)) {
      s.at_end = true;
      next_.emplace(s.current.end, s.rank, 2 * s.index + 1, i);
      return;
    }
    if (!s.merged.front().next(s.current)) return;
    s.at_end = false;
    ++s.index;
    next_.emplace(s.current.start, s.rank, 2 * s.index, i);
    return;
  }
  const bool start = s.kind == Stream::Kind::degrade_start;
  model::DownWindow w;
  do {
    if (!s.event.front().next(w)) return;
    ++s.index;
  } while (!start && !std::isfinite(w.end));
  next_.emplace(start ? w.start : w.end, s.rank, 2 * s.index + (start ? 0 : 1), i);
}

bool LinkChanges::next(Change& out) {
  if (next_.empty()) return false;
  const double t = std::get<0>(next_.top());
  const auto i = std::get<3>(next_.top());
  next_.pop();
  const auto& s = streams_[i];
  switch (s.kind) {
    case Stream::Kind::degrade_start: out = {t, s.link, Change::Kind::bandwidth, s.degraded}; break;
    case Stream::Kind::degrade_end: out = {t, s.link, Change::Kind::bandwidth, s.nominal}; break;
    case Stream::Kind::down: out = {t, s.link, s.at_end ? Change::Kind::on : Change::Kind::off, 0}; break;
  }
  advance(i);
  return true;
}

}  // namespace mxsim::engine
