// Counting model events: totals per server and per message fate, busy
// session-seconds, latency histograms overall and per sender group.
#include "report/stats.hpp"

#include <algorithm>

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

Stats::Stats(std::size_t servers, std::size_t sender_groups)
    : servers_(servers), live_(servers), group_first_hop_(sender_groups), group_delivery_(sender_groups) {}

void Stats::touch(double t, std::uint32_t s) {
  auto& l = live_[s];
  l.busy += static_cast<double>(l.in_use) * (t - l.since);
  l.since = t;
}

void Stats::submitted(double) { ++messages_.submitted; }

void Stats::connection(double, std::uint32_t server) { ++servers_[server].connections; }

void Stats::connection_closed(double, std::uint32_t server, std::uint32_t messages) {
  count_closed(servers_[server], messages);
}

void Stats::attempt_ended(const model::AttemptEnd& a) { count_outcome(servers_[a.server], a.outcome); }

void Stats::session_started(double t, std::uint32_t server) {
  touch(t, server);
  const auto in_use = ++live_[server].in_use;
  servers_[server].peak_sessions = std::max(servers_[server].peak_sessions, in_use);
}

void Stats::session_ended(double t, std::uint32_t server) {
  touch(t, server);
  --live_[server].in_use;
}

void Stats::first_hop(double, std::uint32_t group, double latency) {
  first_hop_.add(latency);
  group_first_hop_[group].add(latency);
}

void Stats::delivered(double, std::uint32_t group, double latency) {
  delivery_.add(latency);
  group_delivery_[group].add(latency);
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
  for (std::uint32_t s = 0; s < live_.size(); ++s) touch(end, s);
}

}  // namespace mxsim::report
