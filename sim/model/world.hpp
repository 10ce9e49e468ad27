// The delivery model: messages, sending MTAs and MX servers as plain C++
// data driven by a time-ordered event queue. No SimGrid here: the engine
// supplies the clock and the host outages; tests drive the model directly.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "model/faults.hpp"
#include "model/observer.hpp"
#include "mta/profile.hpp"
#include "scenario/scenario.hpp"

namespace mxsim::model {

// How long an SMTP session lasts, from SYN to the 250 after the data. The
// default counts round trips and adds the server's service time; a later
// model can make sessions real SimGrid activities behind this interface.
struct SessionRequest {
  std::uint32_t server = 0;
  double rtt = 0;
  int round_trips = 0;
  double service = 0;  // already scaled by any `slow` fault
};

class SessionModel {
 public:
  virtual ~SessionModel() = default;
  virtual double duration(const SessionRequest& request) = 0;
};

class RoundTripSessions final : public SessionModel {
 public:
  double duration(const SessionRequest& r) override { return r.rtt * r.round_trips + r.service; }
};

// The `network` session model (engine: {sessions: network}) runs the parts
// of a session that share resources on them: the DATA transfer over the
// links between a sender group's host and a server, and the server's work on
// its cores. The engine implements this with SimGrid activities and reports
// each one's end through World::activity_done(ticket, ...). The round trips
// of the dialogue stay model timers, with the route's latency.
class Resources {
 public:
  using Ticket = std::uint64_t;
  virtual ~Resources() = default;
  // False when the transfer cannot start (an endpoint or a link is down): the
  // model then treats it as failed at once.
  virtual bool transfer(Ticket ticket, std::uint32_t group, std::uint32_t server, double bytes) = 0;
  virtual bool compute(Ticket ticket, std::uint32_t server, double flops) = 0;
  // Every link between the group's host and the server is up.
  virtual bool reachable(std::uint32_t group, std::uint32_t server) = 0;
};

struct RunOptions {
  std::uint64_t seed = 1;
  // True when the engine reports `down` faults through set_server_state()
  // (SimGrid host state profiles); false to let the model time them itself.
  bool outages_from_engine = false;
  // Required when the scenario asks for network sessions.
  Resources* resources = nullptr;
};

// The MX layout of a recipient domain in the base zone: its preference
// levels, each with its hosts and their servers (for `share`, `preference`
// and the per-level fairness report).
struct DomainLayout {
  std::string name;  // without the trailing dot
  struct Level {
    int preference;
    std::vector<std::string> hosts;
    std::vector<std::vector<std::uint32_t>> servers;  // per host
  };
  std::vector<Level> levels;
};

class World {
 public:
  static constexpr double kNever = std::numeric_limits<double>::infinity();

  // Throws util::InputError for what only the model can check (unknown
  // profiles, selections, override names, rtt keys).
  World(const scenario::Scenario& scenario, RunOptions options, SessionModel& sessions);
  ~World();
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  // Who hears of every attempt, session and message fate (nobody until set).
  void observe(Observer& observer);
  const scenario::Scenario& scenario() const;

  // The time of the next event; kNever when every message has ended and no
  // more will arrive (periodic faults alone do not keep the run going).
  double next_time() const;
  // Processes every event at or before `t`, in time order.
  void run_until(double t);
  // A server's host went down or came back at `t` (from the engine).
  void set_server_state(std::uint32_t server, bool up, double t);

  // Network sessions. Groups are the scenario's sender groups in order, then
  // one per relay server (which sends from that server's host).
  std::size_t group_count() const;
  const std::string& group_name(std::uint32_t group) const;
  const mta::Profile& group_profile(std::uint32_t group) const;
  int group_relay_server(std::uint32_t group) const;  // -1: a sender group
  double group_rtt(std::uint32_t group, std::uint32_t server) const;
  // The round trip the dialogue pays between a group's host and a server
  // (network sessions: twice the route's latency). Before the run starts.
  void set_round_trip(std::uint32_t group, std::uint32_t server, double rtt);
  // A transfer or computation the model asked for ended at `t`, or failed.
  void activity_done(Resources::Ticket ticket, bool ok, double t);

  std::size_t server_count() const;
  const std::string& server_host(std::uint32_t server) const;
  const std::string& server_address(std::uint32_t server) const;
  const scenario::ServerSpec& server_spec(std::uint32_t server) const;
  int server_preference(std::uint32_t server) const;  // -1: not an MX target of any domain
  int server_domain(std::uint32_t server) const;      // index into domains(), -1: none
  const std::vector<DomainLayout>& domains() const;
  // The servers a scenario key (host name or address) names.
  std::vector<std::uint32_t> servers_for_key(const std::string& key) const;
  // `down` windows of a server, periodic ones expanded up to `until`.
  std::vector<DownWindow> down_windows(std::uint32_t server, double until) const;
  // No message can still be alive after this time (arrivals end, plus the
  // longest lifetime and retry gap): a bound for expanding periodic faults.
  double time_bound() const;
  double horizon() const;  // kNever without one

  std::uint64_t submitted() const;
  std::uint64_t delivered() const;
  std::uint64_t bounced() const;
  std::uint64_t in_flight() const;
  // submitted == delivered + bounced + pending, and every pending message holds a slot
  bool conserved() const;
  // What the run found worth saying (a CNAME followed, settings without effect).
  const std::vector<std::string>& warnings() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mxsim::model
