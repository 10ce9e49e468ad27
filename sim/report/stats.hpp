// Statistics fed by the model's events: per-server counters, message counts,
// session-seconds in use, when each server was up and received traffic,
// accepted counts per host of each preference level while the whole level
// was up, and latency histograms, in memory that does not grow with the
// number of messages.
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <vector>

#include "model/observer.hpp"
#include "report/counters.hpp"
#include "report/histogram.hpp"

namespace mxsim::model {
class World;
}

namespace mxsim::report {

struct MessageCounters {
  std::uint64_t submitted = 0;
  std::uint64_t delivered = 0;
  std::uint64_t bounced = 0;
  std::array<std::uint64_t, kBounceReasons> bounces{};
  std::uint64_t deferred = 0;  // waiting for a retry right now
  std::uint64_t in_flight() const { return submitted - delivered - bounced; }
};

// A preference level as fairness sees it: its hosts, each with every address
// the host name owns (in the base zone or after any update).
using LevelHosts = std::vector<std::vector<std::uint32_t>>;

struct StatsSetup {
  std::vector<double> sessions;  // by server: its session slots
  std::size_t sender_groups = 0;
  double bin = 60;               // the report bin, for the peak-bin utilization
  std::vector<LevelHosts> levels;
};

// How busy a server was, over the span it received traffic.
struct Busy {
  double busy_session_s = 0;  // integral of sessions in use
  double span_s = 0;          // from its first connection to its last attempt's end
  double up_s = 0;            // of that span, the seconds its host was up
  double utilization = 0;     // busy / (sessions x up_s); 0 without traffic
  double peak_bin_utilization = 0;  // the same over the busiest report bin
};

class Stats final : public model::Observer {
 public:
  explicit Stats(StatsSetup setup);

  void submitted(double t) override;
  void connection(double t, std::uint32_t server) override;
  void connection_closed(double t, std::uint32_t server, std::uint32_t messages) override;
  void attempt_ended(const model::AttemptEnd& attempt) override;
  void session_started(double t, std::uint32_t server) override;
  void session_ended(double t, std::uint32_t server) override;
  void first_hop(double t, std::uint32_t group, double latency) override;
  void delivered(double t, std::uint32_t group, double latency) override;
  void bounced(double t, BounceReason reason) override;
  void deferred(double t) override;
  void retry_started(double t) override;
  void server_state(double t, std::uint32_t server, bool up) override;

  // Closes the time-weighted integrals at `end`.
  void finish(double end);

  const MessageCounters& messages() const { return messages_; }
  // The same message counts as the model's own, and every bounce has its reason.
  bool agrees_with(const model::World& world) const;
  const ServerCounters& server(std::uint32_t s) const { return servers_[s]; }
  std::size_t server_count() const { return servers_.size(); }
  // After finish().
  Busy busy(std::uint32_t s) const;
  // Messages each host of level `level` accepted while every host of the
  // level was up (a host is up while any of its addresses is).
  const std::vector<std::uint64_t>& accepted_while_level_up(std::size_t level) const { return level_accepted_[level]; }
  const Histogram& first_hop_latency() const { return first_hop_; }
  const Histogram& delivery_latency() const { return delivery_; }
  // By the sender group the message came from.
  const Histogram& first_hop_latency(std::uint32_t group) const { return group_first_hop_[group]; }
  const Histogram& delivery_latency(std::uint32_t group) const { return group_delivery_[group]; }

 private:
  static constexpr double kNone = std::numeric_limits<double>::quiet_NaN();
  struct Live {
    std::uint64_t in_use = 0;
    bool up = true;
    double since = 0;      // time of the last change of in_use or up
    double busy = 0;       // integral of in_use over time
    double down_s = 0;     // time down, until `since`
    double first = kNone;  // first connection
    double last = kNone;   // last attempt or session end
    double down_at_first = 0;  // down_s when the first connection came
    double down_at_last = 0;   // down_s at the last attempt's end
    std::uint64_t bin = 0;     // the report bin `since` is in
    double bin_busy = 0, bin_up = 0;
    double peak = 0;       // the busiest bin's utilization so far
  };
  void touch(double t, std::uint32_t s);
  void accrue(Live& l, double until);
  void close_bin(Live& l, std::uint32_t s);
  void traffic(double t, std::uint32_t s);
  Histogram::Sample sample(double latency);

  StatsSetup setup_;
  std::vector<ServerCounters> servers_;
  std::vector<Live> live_;
  // Levels by server, and each level's accepted counts while wholly up.
  std::vector<std::vector<std::pair<std::uint32_t, std::uint32_t>>> levels_of_;  // server -> (level, host)
  std::vector<std::vector<std::uint64_t>> level_accepted_;
  MessageCounters messages_;
  Histogram first_hop_;
  Histogram delivery_;
  std::vector<Histogram> group_first_hop_;
  std::vector<Histogram> group_delivery_;
  Histogram::Sample last_sample_{kNone, 0};
};

}  // namespace mxsim::report
