// Counting and binning of model events.
#include "report/stats.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>
#include <fmt/ostream.h>

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

Stats::Stats(std::vector<ServerLabel> servers, std::size_t sender_groups, double bin, std::ostream* timeseries,
             std::ostream* queue)
    : labels_(std::move(servers)),
      servers_(labels_.size()),
      live_(labels_.size()),
      group_first_hop_(sender_groups),
      group_delivery_(sender_groups),
      bin_(bin),
      bin_end_(bin),
      timeseries_(timeseries),
      queue_(queue),
      bin_servers_(labels_.size()) {
  if (timeseries_)
    *timeseries_ << "bin_start_s,host,address,connections,accepted,timeouts,refused,tempfail,peak_sessions\n";
  if (queue_) *queue_ << "bin_start_s,submitted,delivered,bounced,deferred,in_flight\n";
}

void Stats::write_bin() {
  const double start = static_cast<double>(bin_index_) * bin_;
  if (timeseries_) {
    for (std::size_t s = 0; s < labels_.size(); ++s) {
      const auto& b = bin_servers_[s];
      fmt::print(*timeseries_, "{},{},{},{},{},{},{},{},{}\n", start, labels_[s].host, labels_[s].address,
                 b.connections, b.accepted, b.timeouts, b.refused, b.tempfail, b.peak_sessions);
    }
  }
  if (queue_) {
    fmt::print(*queue_, "{},{},{},{},{},{}\n", start, bin_queue_.submitted, bin_queue_.delivered,
               bin_queue_.bounced, messages_.deferred, messages_.in_flight());
  }
}

void Stats::close_bins(double t) {
  // Close the current bin, then any empty bins the clock skipped over.
  while (t >= bin_end_) {
    write_bin();
    for (std::size_t s = 0; s < bin_servers_.size(); ++s) bin_servers_[s] = BinServer{.peak_sessions = live_[s].in_use};
    bin_queue_ = BinQueue{};
    ++bin_index_;
    bin_end_ = static_cast<double>(bin_index_ + 1) * bin_;
  }
}

void Stats::touch(double t, std::uint32_t s) {
  auto& l = live_[s];
  l.busy += l.in_use * (t - l.since);
  l.since = t;
}

void Stats::submitted(double t) {
  advance(t);
  ++messages_.submitted;
  ++bin_queue_.submitted;
}

void Stats::connection(double t, std::uint32_t server) {
  advance(t);
  ++servers_[server].connections;
  ++bin_servers_[server].connections;
}

void Stats::outcome(double t, std::uint32_t server, Outcome outcome) {
  advance(t);
  auto& total = servers_[server];
  auto& bin = bin_servers_[server];
  switch (outcome) {
    case Outcome::accepted: ++total.accepted; ++bin.accepted; break;
    case Outcome::timeout: ++total.timeouts; ++bin.timeouts; break;
    case Outcome::refused: ++total.refused; ++bin.refused; break;
    case Outcome::busy_tempfail: ++total.busy_tempfail; ++total.tempfail; ++bin.tempfail; break;
    case Outcome::greylisted: ++total.greylisted; ++total.tempfail; ++bin.tempfail; break;
    case Outcome::tempfail: ++total.tempfail; ++bin.tempfail; break;
    case Outcome::rejected: ++total.rejected; break;
  }
}

void Stats::session_started(double t, std::uint32_t server) {
  advance(t);
  touch(t, server);
  const int in_use = ++live_[server].in_use;
  servers_[server].peak_sessions = std::max(servers_[server].peak_sessions, in_use);
  bin_servers_[server].peak_sessions = std::max(bin_servers_[server].peak_sessions, in_use);
}

void Stats::session_ended(double t, std::uint32_t server) {
  advance(t);
  touch(t, server);
  --live_[server].in_use;
}

void Stats::delivered(double t, std::uint32_t group, double latency) {
  advance(t);
  delivery_.add(latency);
  group_delivery_[group].add(latency);
  ++messages_.delivered;
  ++bin_queue_.delivered;
}

void Stats::bounced(double t, BounceReason reason) {
  advance(t);
  ++messages_.bounced;
  ++messages_.bounces[static_cast<std::size_t>(reason)];
  ++bin_queue_.bounced;
}

void Stats::deferred(double t) {
  advance(t);
  ++messages_.deferred;
}

void Stats::retry_started(double t) {
  advance(t);
  --messages_.deferred;
}

void Stats::finish(double end) {
  for (std::uint32_t s = 0; s < live_.size(); ++s) touch(end, s);
  // The bin holding `end` is written too, unless `end` is exactly its start
  // and it is not the first bin.
  advance(end);
  if (end > static_cast<double>(bin_index_) * bin_ || bin_index_ == 0) {
    write_bin();
    ++bin_index_;
    bin_end_ = std::numeric_limits<double>::infinity();
  }
}

}  // namespace mxsim::report
