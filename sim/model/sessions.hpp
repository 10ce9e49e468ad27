// How an SMTP session runs once a server gave it a slot, from the greeting
// to the 250 after the data. Two models behind one interface: round trips
// plus service time as model timers (the default), and `network` sessions
// (engine: {sessions: network}) whose DATA transfer and server work are
// activities sharing the engine's links and cores.
#pragma once

#include <cstdint>

namespace mxsim::model {

// The session in progress of one message (kept in its slot).
struct Session {
  std::uint32_t server = 0;
  double processing = 0;   // seconds of service, or flops of work (`work`)
  bool computing = false;  // network sessions: the activity in flight is the work
};

// What a session is, for the model that runs it.
struct SessionRequest {
  std::uint64_t ticket = 0;  // names the session to the engine's activities
  std::uint32_t group = 0;   // of the sending MTA (its host)
  std::uint32_t server = 0;
  double rtt = 0;            // between the group's host and the server
  int round_trips = 0;       // of the dialogue, DATA's included
  bool work = false;         // the processing is flops of work (the server has `work`), not seconds
  double speed = 0;          // flop/s of one of the server's cores (with `work`)
  double bytes = 0;          // the message's size (network sessions)
};

// What the world does next with a session.
struct SessionStep {
  enum class Kind : std::uint8_t {
    wait,    // an activity is in flight; its end comes through World::activity_done
    data,    // the dialogue reaches DATA at `at` (a session_data event)
    done,    // the 250 after the data arrives at `at`
    failed,  // a transfer or the work failed now: the client hears nothing more
  };
  Kind kind = Kind::wait;
  double at = 0;
};

class SessionModel {
 public:
  virtual ~SessionModel() = default;

  // True when sessions use the engine's links and cores: messages then carry
  // sizes, `work` is flops, and a server behind a link that is down is unreachable.
  virtual bool shares_resources() const = 0;
  // Every link between the group's host and the server is up (asked only
  // when shares_resources()).
  virtual bool reachable(std::uint32_t /*group*/, std::uint32_t /*server*/) { return true; }

  // The session starts at `now`.
  virtual SessionStep start(Session& session, const SessionRequest& request, double now) = 0;
  // The dialogue reached DATA (after a `data` step).
  virtual SessionStep data(Session& /*session*/, const SessionRequest& /*request*/, double /*now*/) {
    return {.kind = SessionStep::Kind::failed};
  }
  // The activity of a `wait` step ended (`ok`) or failed.
  virtual SessionStep activity_end(Session& /*session*/, const SessionRequest& /*request*/, bool /*ok*/,
                                   double /*now*/) {
    return {.kind = SessionStep::Kind::failed};
  }
};

// Round trips of the dialogue plus the server's service time; `work` runs
// at the core's speed on a core of its own (no sharing: that is what
// network sessions add).
class RoundTripSessions final : public SessionModel {
 public:
  bool shares_resources() const override { return false; }
  SessionStep start(Session& session, const SessionRequest& r, double now) override {
    const double service = r.work ? session.processing / r.speed : session.processing;
    const double length = r.rtt * r.round_trips + service;
    return {.kind = SessionStep::Kind::done, .at = now + length};
  }
};

// The engine's side of network sessions: SimGrid activities whose ends come
// back through World::activity_done(ticket, ...).
class Resources {
 public:
  using Ticket = std::uint64_t;
  virtual ~Resources() = default;
  // False when the transfer cannot start (an endpoint or a link is down): the
  // model then treats it as failed at once.
  virtual bool transfer(Ticket ticket, std::uint32_t group, std::uint32_t server, double bytes) = 0;
  // The transfer, then at its end the work on the server's cores (unless the
  // server is down by then: that is a failure), with one end reported for
  // both: what a session's DATA is, without waking the model in between.
  virtual bool transfer_then_compute(Ticket ticket, std::uint32_t group, std::uint32_t server, double bytes,
                                     double flops) = 0;
  // Every link between the group's host and the server is up.
  virtual bool reachable(std::uint32_t group, std::uint32_t server) = 0;
};

// The round trips of the dialogue stay model timers (with the route's
// latency); the DATA transfer and the server's work run on `resources`.
class NetworkSessions final : public SessionModel {
 public:
  explicit NetworkSessions(Resources& resources) : resources_(resources) {}

  bool shares_resources() const override { return true; }
  bool reachable(std::uint32_t group, std::uint32_t server) override { return resources_.reachable(group, server); }
  SessionStep start(Session& session, const SessionRequest& request, double now) override;
  SessionStep data(Session& session, const SessionRequest& request, double now) override;
  SessionStep activity_end(Session& session, const SessionRequest& request, bool ok, double now) override;

 private:
  Resources& resources_;
};

}  // namespace mxsim::model
