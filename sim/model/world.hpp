// The delivery model: messages, sending MTAs and MX servers as plain C++
// data driven by a time-ordered event queue. No SimGrid here: the engine
// supplies the clock and the host outages; tests drive the model directly.
#pragma once

#include <atomic>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "model/faults.hpp"
#include "model/observer.hpp"
#include "model/sessions.hpp"
#include "mta/profile.hpp"
#include "scenario/scenario.hpp"
#include "scenario/topology.hpp"

namespace mxsim::model {

struct RunOptions {
  std::uint64_t seed = 1;
  // True when the engine reports `down` faults through set_server_state()
  // (SimGrid host state profiles); false to let the model time them itself.
  bool outages_from_engine = false;
  // Set (by a signal handler) to stop early: warming the resolvers, which
  // can take seconds with many MTAs and domains, ends at the next resolver;
  // the engine then stops before the first event.
  const std::atomic<bool>* stop = nullptr;
};

class World {
 public:
  static constexpr double kNever = std::numeric_limits<double>::infinity();

  // Throws util::InputError for a name the zone or the registries lack
  // (the loader checks them first); std::invalid_argument
  // when `sessions` is not the kind the scenario's engine: {sessions:} asks for.
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
  // The earliest time at which a queued event asks the engine for something
  // (network sessions: a DATA transfer starts); kNever when none does. Every
  // other event only reads the engine's state, so the engine may lag behind
  // the model up to this time (and up to its own next event).
  double next_engine_time() const;
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
  // What the scenario binds: servers (host, address, domain, preference),
  // the recipient domains' MX layouts, the addresses a key names.
  const scenario::Topology& topology() const;
  // The `down` events that target a server (their windows: MergedWindows).
  std::vector<const scenario::Event*> down_events(std::uint32_t server) const;
  // No message can still be alive after this time (arrivals end, plus the
  // longest lifetime and retry gap): a bound for expanding periodic faults.
  double time_bound() const;
  double horizon() const;  // kNever without one

  std::uint64_t submitted() const;
  std::uint64_t delivered() const;
  std::uint64_t bounced() const;
  std::uint64_t in_flight() const;
  // Model events taken from the event queue so far (stale ones included).
  std::uint64_t events() const;
  // submitted == delivered + bounced + pending, and every pending message holds a slot
  bool conserved() const;
  // The concurrency window MTA `mta` (within its group) has for `domain`
  // (fully qualified, trailing dot) now: 0 while dead, -1 before its first message.
  int concurrency_window(std::uint32_t group, std::uint32_t mta, std::string_view domain) const;
  // What the run found worth saying (a CNAME followed, settings without effect).
  const std::vector<std::string>& warnings() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Runs `world` without an engine (built with outages_from_engine false, so
// that the model times its own outages): every event up to the scenario's
// horizon. Returns the simulated time reached (that of the last event run).
double run_standalone(World& world);

}  // namespace mxsim::model
