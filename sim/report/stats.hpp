// Statistics fed by the model's events: counters, latency histograms, and the
// per-bin time series, which are streamed out as each bin closes so that
// memory does not grow with the number of messages.
#pragma once

#include <array>
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "report/histogram.hpp"

namespace mxsim::report {

enum class Outcome : std::uint8_t {
  accepted,
  timeout,
  refused,
  tempfail,       // 421 greeting (a `tempfail` fault)
  busy_tempfail,  // 421 because sessions and backlog were full
  greylisted,     // 450 from greylisting (counted in tempfail too)
  rejected,       // 5xx (a `reject` fault)
};
const char* outcome_name(Outcome outcome);

enum class BounceReason : std::uint8_t { null_mx, nxdomain, expired, rejected, loops_to_self };
inline constexpr int kBounceReasons = 5;
const char* bounce_name(BounceReason reason);

struct ServerCounters {
  std::uint64_t connections = 0;
  std::uint64_t accepted = 0;
  std::uint64_t timeouts = 0;
  std::uint64_t refused = 0;
  std::uint64_t tempfail = 0;       // every 421/450, busy ones included
  std::uint64_t busy_tempfail = 0;  // 421 because sessions and backlog were full
  std::uint64_t greylisted = 0;     // 450 from greylisting
  std::uint64_t rejected = 0;       // 5xx
  int peak_sessions = 0;
};

struct MessageCounters {
  std::uint64_t submitted = 0;
  std::uint64_t delivered = 0;
  std::uint64_t bounced = 0;
  std::array<std::uint64_t, kBounceReasons> bounces{};
  std::uint64_t deferred = 0;  // waiting for a retry right now
  std::uint64_t in_flight() const { return submitted - delivered - bounced; }
};

class Stats {
 public:
  struct ServerLabel {
    std::string host;
    std::string address;
  };
  // `timeseries` and `queue` receive CSV rows as bins close (null: not kept).
  Stats(std::vector<ServerLabel> servers, std::size_t sender_groups, double bin, std::ostream* timeseries,
        std::ostream* queue);

  void submitted(double t);
  void connection(double t, std::uint32_t server);
  void outcome(double t, std::uint32_t server, Outcome outcome);
  void session_started(double t, std::uint32_t server);
  void session_ended(double t, std::uint32_t server);
  void first_hop(std::uint32_t group, double latency) {
    first_hop_.add(latency);
    group_first_hop_[group].add(latency);
  }
  void delivered(double t, std::uint32_t group, double latency);
  void bounced(double t, BounceReason reason);
  void deferred(double t);
  void retry_started(double t);

  // Closes every bin up to `end` and the time-weighted session integrals.
  void finish(double end);

  const MessageCounters& messages() const { return messages_; }
  const ServerCounters& server(std::uint32_t s) const { return servers_[s]; }
  std::size_t server_count() const { return servers_.size(); }
  // Session-seconds in use (until finish()).
  double busy_seconds(std::uint32_t s) const { return live_[s].busy; }
  const Histogram& first_hop_latency() const { return first_hop_; }
  const Histogram& delivery_latency() const { return delivery_; }
  // By the sender group the message came from.
  const Histogram& first_hop_latency(std::uint32_t group) const { return group_first_hop_[group]; }
  const Histogram& delivery_latency(std::uint32_t group) const { return group_delivery_[group]; }

 private:
  struct Live {
    int in_use = 0;
    double since = 0;   // time of the last change of in_use
    double busy = 0;    // integral of in_use over time
  };
  struct BinServer {
    std::uint64_t connections = 0, accepted = 0, timeouts = 0, refused = 0, tempfail = 0;
    int peak_sessions = 0;
  };
  struct BinQueue {
    std::uint64_t submitted = 0, delivered = 0, bounced = 0;
  };

  void advance(double t) {
    if (t >= bin_end_) close_bins(t);
  }
  void close_bins(double t);
  void write_bin();
  void touch(double t, std::uint32_t s);

  std::vector<ServerLabel> labels_;
  std::vector<ServerCounters> servers_;
  std::vector<Live> live_;
  MessageCounters messages_;
  Histogram first_hop_;
  Histogram delivery_;
  std::vector<Histogram> group_first_hop_;
  std::vector<Histogram> group_delivery_;

  double bin_;
  std::uint64_t bin_index_ = 0;
  double bin_end_;
  std::ostream* timeseries_;
  std::ostream* queue_;
  std::vector<BinServer> bin_servers_;
  BinQueue bin_queue_;
};

}  // namespace mxsim::report
