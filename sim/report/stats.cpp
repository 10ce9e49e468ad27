// Counting model events: totals per server and per message fate, busy
// session-seconds and up-time (overall and per report bin), accepted counts
// of each level while wholly up, latency histograms overall and per group.
#include "report/stats.hpp"

#include <algorithm>
#include <cmath>

#include "model/world.hpp"

namespace mxsim::report {

const char* bounce_name(BounceReason reason) {
  switch (reason) {
    case BounceReason::null_mx: return "null_mx";
    case BounceReason::nxdomain: return "nxdomain";
    case BounceReason::expired: return "expired";
    case BounceReason::rejected: return "rejected";
    case BounceReason::loops_to_self: return "loops_to_self";
  }
  return "unknown";
}

const char* outcome_name(Outcome outcome) {
  switch (outcome) {
    case Outcome::accepted: return "accepted";
    case Outcome::timeout: return "timeout";
    case Outcome::refused: return "refused";
    case Outcome::tempfail: return "tempfail";
    case Outcome::busy_tempfail: return "busy_tempfail";
    case Outcome::greylisted: return "greylisted";
    case Outcome::rejected: return "rejected";
  }
  return "unknown";
}

Stats::Stats(StatsSetup setup)
    : setup_(std::move(setup)),
      servers_(setup_.sessions.size()),
      live_(setup_.sessions.size()),
      levels_of_(setup_.sessions.size()),
      group_first_hop_(setup_.sender_groups),
      group_delivery_(setup_.sender_groups) {
  for (std::uint32_t level = 0; level < setup_.levels.size(); ++level) {
    const auto& hosts = setup_.levels[level];
    level_accepted_.emplace_back(hosts.size(), 0);
    for (std::uint32_t host = 0; host < hosts.size(); ++host)
      for (const auto s : hosts[host]) levels_of_[s].emplace_back(level, host);
  }
}

void Stats::accrue(Live& l, double until) {
  const double span = until - l.since;
  if (span <= 0) return;
  const double busy = static_cast<double>(l.in_use) * span;
  l.busy += busy;
  l.bin_busy += busy;
  if (l.up) l.bin_up += span;
  else l.down_s += span;
  l.since = until;
}

// A bin counts when its host was up for at least half of it: a few seconds
// of uptime alone say little about how busy it was.
void Stats::close_bin(Live& l, std::uint32_t s) {
  const double sessions = setup_.sessions[s];
  if (l.bin_up >= 0.5 * setup_.bin && sessions > 0) l.peak = std::max(l.peak, l.bin_busy / (sessions * l.bin_up));
  l.bin_busy = 0;
  l.bin_up = 0;
  ++l.bin;
}

void Stats::touch(double t, std::uint32_t s) {
  auto& l = live_[s];
  for (double bin_end = static_cast<double>(l.bin + 1) * setup_.bin; t >= bin_end;
       bin_end = static_cast<double>(l.bin + 1) * setup_.bin) {
    accrue(l, bin_end);
    close_bin(l, s);
  }
  accrue(l, t);
}

void Stats::traffic(double t, std::uint32_t s) {
  touch(t, s);
  auto& l = live_[s];
  if (std::isnan(l.first)) {
    l.first = t;
    l.down_at_first = l.down_s;
  }
  l.last = t;
  l.down_at_last = l.down_s;
}

void Stats::submitted(double) { ++messages_.submitted; }

void Stats::connection(double t, std::uint32_t server) {
  ++servers_[server].connections;
  traffic(t, server);
}

void Stats::connection_closed(double, std::uint32_t server, std::uint32_t messages) {
  count_closed(servers_[server], messages);
}

void Stats::attempt_ended(const model::AttemptEnd& a) {
  count_outcome(servers_[a.server], a.outcome);
  traffic(a.end, a.server);
  if (a.outcome != Outcome::accepted) return;
  for (const auto& [level, host] : levels_of_[a.server]) {
    const auto& hosts = setup_.levels[level];
    const bool all_up = std::all_of(hosts.begin(), hosts.end(), [&](const std::vector<std::uint32_t>& addresses) {
      return std::any_of(addresses.begin(), addresses.end(), [&](std::uint32_t s) { return live_[s].up; });
    });
    if (all_up) ++level_accepted_[level][host];
  }
}

void Stats::session_started(double t, std::uint32_t server) {
  touch(t, server);
  const auto in_use = ++live_[server].in_use;
  servers_[server].peak_sessions = std::max(servers_[server].peak_sessions, in_use);
}

void Stats::session_ended(double t, std::uint32_t server) {
  traffic(t, server);
  --live_[server].in_use;
}

void Stats::server_state(double t, std::uint32_t server, bool up) {
  touch(t, server);
  live_[server].up = up;
}

// A message delivered at its first hop has both latencies equal: its bucket
// is found once for the four histograms.
Histogram::Sample Stats::sample(double latency) {
  if (!(latency == last_sample_.value)) last_sample_ = Histogram::sample(latency);
  return last_sample_;
}

void Stats::first_hop(double, std::uint32_t group, double latency) {
  const auto s = sample(latency);
  first_hop_.add(s);
  group_first_hop_[group].add(s);
}

void Stats::delivered(double, std::uint32_t group, double latency) {
  const auto s = sample(latency);
  delivery_.add(s);
  group_delivery_[group].add(s);
  ++messages_.delivered;
}

void Stats::bounced(double, BounceReason reason) {
  ++messages_.bounced;
  ++messages_.bounces[static_cast<std::size_t>(reason)];
}

void Stats::deferred(double) { ++messages_.deferred; }

void Stats::retry_started(double) { --messages_.deferred; }

bool Stats::agrees_with(const model::World& world) const {
  std::uint64_t bounced = 0;
  for (auto b : messages_.bounces) bounced += b;
  return messages_.submitted == world.submitted() && messages_.delivered == world.delivered() &&
         messages_.bounced == world.bounced() && bounced == messages_.bounced;
}

void Stats::finish(double end) {
  for (std::uint32_t s = 0; s < live_.size(); ++s) {
    touch(end, s);
    close_bin(live_[s], s);
  }
}

Busy Stats::busy(std::uint32_t s) const {
  const auto& l = live_[s];
  Busy out{.busy_session_s = l.busy};
  if (std::isnan(l.first)) return out;
  out.span_s = l.last - l.first;
  out.up_s = out.span_s - (l.down_at_last - l.down_at_first);
  const double capacity = setup_.sessions[s] * out.up_s;
  out.utilization = capacity > 0 ? l.busy / capacity : 0.0;
  out.peak_bin_utilization = l.peak;
  return out;
}

}  // namespace mxsim::report
