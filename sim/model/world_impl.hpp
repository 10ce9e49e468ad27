// Inside World (internal to sim/model/): the parts a run is made of and the
// per-message state machine that moves messages between them. setup.cpp
// binds the scenario, delivery.cpp holds the event loop and the state
// machine, world.cpp the faults and the public face.
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "dns/zone.hpp"
#include "model/event_queue.hpp"
#include "model/faults.hpp"
#include "model/message.hpp"
#include "model/sender.hpp"
#include "model/server.hpp"
#include "model/world.hpp"
#include "scenario/topology.hpp"

namespace mxsim::model {

struct World::Impl {
  const scenario::Scenario& scenario;
  RunOptions options;
  SessionModel& sessions;
  dns::ZoneDb db;  // zone updates apply to it as the run goes
  scenario::Topology topology;
  Faults faults;
  Observer* observer;  // never null: a no-op one until World::observe()

  std::vector<Server> servers;  // by AddressId
  // By AddressId, for the selection policies: 1 for an IPv6 address; `weight`.
  std::shared_ptr<const std::vector<std::uint8_t>> ipv6;
  std::shared_ptr<const std::vector<double>> weights;
  std::vector<Group> groups;
  std::vector<Mta> mtas;
  // Caching resolvers: one per MTA, or `senders[].resolvers` shared by a group's MTAs.
  std::vector<dns::Resolver> resolvers;

  EventQueue queue;
  MessageSlab slab;
  WaitingSlab waiting_slab;  // messages between attempts (their retry events name these slots)
  std::uint64_t next_message_id = 0;
  std::uint32_t arrivals_open = 0;  // groups still generating messages
  std::uint64_t submitted = 0, delivered = 0, bounced = 0;

  std::vector<std::string> warnings;
  std::set<dns::NameId> cname_warned;
  const bool shared;  // sessions.shares_resources()

  Impl(const scenario::Scenario& s, RunOptions o, SessionModel& m);

  // ---- set-up (setup.cpp) ----
  void build_servers();
  Group make_group(const std::string& name, const std::string& profile_name,
                   const std::optional<std::string>& selection,
                   const std::vector<std::pair<std::string, double>>& overrides, double kernel_limit,
                   const util::Location& where);
  void add_mtas(std::uint32_t g, std::uint32_t count, std::uint32_t shared_resolvers);
  void build_relays();
  void build_groups();
  void warm_resolvers();
  void schedule_faults();

  // ---- the event loop (delivery.cpp) and faults (world.cpp) ----
  std::uint64_t in_flight() const { return submitted - delivered - bounced; }
  bool finished() const { return arrivals_open == 0 && in_flight() == 0; }
  void run_until(double t);
  void dispatch(const Event& e);
  void schedule_arrival(std::uint32_t g, double now);
  void fault_start(std::uint32_t index, double now);
  void fault_end(std::uint32_t index, double now);
  void fault_change(std::uint32_t index, int delta, double now);
  void server_state(std::uint32_t s, bool up, double now);

  // ---- a message's journey (delivery.cpp) ----
  void arrive(std::uint32_t g, double now);
  void attempt(std::uint32_t slot, double now);
  void try_next(std::uint32_t slot, double now);
  void all_failed(std::uint32_t slot, double now);
  void connect(std::uint32_t slot, std::uint32_t s, double now);
  Caller caller(std::uint32_t slot, std::uint32_t s);
  void start_session(std::uint32_t slot, std::uint32_t s, double now);
  void reuse_session(std::uint32_t slot, std::uint32_t s, double now);
  SessionRequest session_request(std::uint32_t slot, std::uint32_t s) const;
  void follow(std::uint32_t slot, std::uint32_t s, SessionStep step, double now);
  void session_failed(std::uint32_t slot, std::uint32_t s, double now);
  void release_session(std::uint32_t slot, std::uint32_t s, double now);
  void attempt_ended(std::uint32_t slot, std::uint32_t s, Outcome outcome, double now);
  void session_done(std::uint32_t slot, std::uint32_t s, double now);
  void hand_to_relay(std::uint32_t slot, std::uint32_t s, double now);
  void backlog_timeout(std::uint32_t slot, std::uint32_t s, double now);
  void connect_failed(std::uint32_t slot, std::uint32_t s, Outcome outcome, double now);
  void defer(std::uint32_t slot, double now);
  void bounce(std::uint32_t slot, BounceReason reason, double now);
  void end_message(std::uint32_t slot, double now);
  // Between attempts a message lives in `waiting_slab` (message.hpp); its slot is freed.
  void park(std::uint32_t slot, std::uint32_t parked);
  std::uint32_t unpark(std::uint32_t parked);
  void release_delivery(std::uint32_t slot, double now);
  void hand_over(std::uint32_t from, std::uint32_t to);
  bool keeps_connection(std::uint32_t slot, double now);
  void drop_kept_connection(std::uint32_t slot, double now);
  void close_connection(std::uint32_t slot, std::uint32_t s, double now);
};

}  // namespace mxsim::model
