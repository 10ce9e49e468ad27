// Statistics fed by the model's events: per-server counters, message counts,
// session-seconds in use and latency histograms, in memory that does not
// grow with the number of messages.
#pragma once

#include <array>
#include <cstdint>
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

class Stats final : public model::Observer {
 public:
  Stats(std::size_t servers, std::size_t sender_groups);

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

  // Closes the time-weighted session integrals at `end`.
  void finish(double end);

  const MessageCounters& messages() const { return messages_; }
  // The same message counts as the model's own, and every bounce has its reason.
  bool agrees_with(const model::World& world) const;
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
    std::uint64_t in_use = 0;
    double since = 0;  // time of the last change of in_use
    double busy = 0;   // integral of in_use over time
  };
  void touch(double t, std::uint32_t s);

  std::vector<ServerCounters> servers_;
  std::vector<Live> live_;
  MessageCounters messages_;
  Histogram first_hop_;
  Histogram delivery_;
  std::vector<Histogram> group_first_hop_;
  std::vector<Histogram> group_delivery_;
};

}  // namespace mxsim::report
