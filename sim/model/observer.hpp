// What the model tells whoever watches a run: each connection, session and
// message fate as it happens. Statistics, the trace and the time series are
// observers (sim/report/); the model itself counts and formats nothing.
#pragma once

#include <cstdint>

namespace mxsim::model {

// How a connection attempt ended, as the sending MTA saw it.
enum class Outcome : std::uint8_t {
  accepted,
  timeout,
  refused,
  tempfail,       // 421 greeting (a `tempfail` fault)
  busy_tempfail,  // 421 because sessions and backlog were full
  greylisted,     // 450 from greylisting
  rejected,       // 5xx (a `reject` fault)
};

enum class BounceReason : std::uint8_t { null_mx, nxdomain, expired, rejected, loops_to_self };
inline constexpr int kBounceReasons = 5;

// One connection attempt, from its SYN to its outcome.
struct AttemptEnd {
  double start = 0;
  double end = 0;
  std::uint64_t message = 0;  // the message's id, in order of submission
  std::uint32_t group = 0;    // the group of the MTA that connected (a relay's own group)
  std::uint32_t mta = 0;      // that MTA's index within its group
  std::uint32_t server = 0;
  Outcome outcome = Outcome::accepted;
};

// Every call happens at its simulated time `t`, in time order. The default
// of each is to ignore it: an observer overrides what it needs.
class Observer {
 public:
  virtual ~Observer() = default;

  virtual void submitted(double /*t*/) {}
  // A new connection (a message sent over a kept one makes none).
  virtual void connection(double /*t*/, std::uint32_t /*server*/) {}
  // Every connection ends here once, a failed one too, with the messages it
  // carried: more than one when its MTA kept it for the next message.
  virtual void connection_closed(double /*t*/, std::uint32_t /*server*/, std::uint32_t /*messages*/) {}
  virtual void attempt_ended(const AttemptEnd& /*attempt*/) {}
  // A session past the greeting holds one of the server's session slots.
  virtual void session_started(double /*t*/, std::uint32_t /*server*/) {}
  virtual void session_ended(double /*t*/, std::uint32_t /*server*/) {}
  // A message reached its first accepting server; `group` is its sender group.
  virtual void first_hop(double /*t*/, std::uint32_t /*group*/, double /*latency*/) {}
  virtual void delivered(double /*t*/, std::uint32_t /*group*/, double /*latency*/) {}
  virtual void bounced(double /*t*/, BounceReason /*reason*/) {}
  // A message's attempt failed and it waits for its retry; the retry starts.
  virtual void deferred(double /*t*/) {}
  virtual void retry_started(double /*t*/) {}
  // A server's host went down or came back.
  virtual void server_state(double /*t*/, std::uint32_t /*server*/, bool /*up*/) {}
  // A scenario event (by its index) began or ended.
  virtual void fault_began(double /*t*/, std::uint32_t /*event*/) {}
  virtual void fault_ended(double /*t*/, std::uint32_t /*event*/) {}
};

}  // namespace mxsim::model
