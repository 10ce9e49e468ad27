// Inside World (internal to sim/model/): the parts a run is made of and the
// per-message state machine that moves messages between them. setup.cpp
// binds the scenario, delivery.cpp holds the event loop and the state
// machine, world.cpp the faults and the public face.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <queue>
#include <set>
#include <string>
#include <vector>

#include "dns/zone.hpp"
#include "model/connection_cache.hpp"
#include "model/event_queue.hpp"
#include "model/faults.hpp"
#include "model/message.hpp"
#include "model/queue_runner.hpp"
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
  // Warm caches are filled on a resolver's first use (10^4 MTAs with a
  // 1,000-address MX set each took 2.4 GB up front): by resolver, the group
  // whose domains it holds, or -1 once filled (or cold).
  std::vector<std::int32_t> unwarmed;
  std::vector<dns::NameId> every_domain;  // a relay's resolver holds them all
  // Queue runs (queue_runner.cpp): by MTA (sized on first use), and the
  // runs in progress (slots reused).
  std::vector<MtaQueue> mta_queues;
  std::vector<Runner> runners;
  std::vector<std::uint32_t> free_runners;
  std::uint64_t cached_connections = 0;  // slots holding a Sendmail run's idle connection

  EventQueue queue;
  // When queued session_data events fall (network sessions: each starts a
  // transfer, so the engine must have reached its time), earliest first;
  // an entry leaves once run_until has passed its time.
  std::priority_queue<double, std::vector<double>, std::greater<>> engine_times;
  MessageSlab slab;
  ConnectionCache cache;
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
  // Fills resolver `r`'s cache as of time 0 if it is still to be warmed.
  void warm(std::uint32_t r);
  void schedule_faults();

  // ---- the event loop (delivery.cpp) and faults (world.cpp) ----
  std::uint64_t in_flight() const { return submitted - delivered - bounced; }
  // Over when no message is left and no connection idles: Postfix's and
  // OpenSMTPD's idle connections (connection_cache.hpp) close before the run
  // ends, and a queue run's (queue_runner.hpp) at once when nothing is left.
  bool finished() const {
    return arrivals_open == 0 && in_flight() == 0 && cache.holders == 0 && cached_connections == 0;
  }
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

  // ---- idle connections and OpenSMTPD's limits (connection_cache.cpp) ----
  void limited_connect(std::uint32_t slot, std::uint32_t s, double now);
  bool take_idle_connection(std::uint32_t slot, double now);
  bool cache_connection(std::uint32_t slot, std::uint32_t s, double now);
  void park_connection(std::uint32_t slot, std::uint32_t s, double until);
  void pass_connection(std::uint32_t from, std::uint32_t to);
  void free_holder(std::uint32_t holder);
  void connection_gone(std::uint32_t slot, std::uint32_t s, double now);
  void drain_relay(RelayKey key, double now);
  void relay_wake(RelayKey key, double now);
  mta::ConnectionLimits& limits_of(std::uint32_t group);
  // ---- queue runs (queue_runner.cpp) ----
  MtaQueue& mta_queue(std::uint32_t mta);
  bool deliverable(const QueueEntry& e, std::uint32_t mta) const;
  bool in_queue(const QueueEntry& e, std::uint32_t mta) const;
  void enqueue(std::uint32_t slot, double now);
  void arm_queue_run(std::uint32_t mta, double now);
  void queue_run(std::uint32_t mta, double now);
  void runner_step(std::uint32_t r, double now);
  void end_runner(std::uint32_t r, double now);
  void runner_message_ended(std::uint32_t slot, double now, bool leaves);
  bool runner_keeps(std::uint32_t slot, double now);
  bool run_pass_connection(std::uint32_t slot, std::uint32_t r, double now);
  void run_cache_connection(std::uint32_t slot, std::uint32_t r, double now);
  bool take_cached(std::uint32_t slot, std::uint32_t s, double now);
  void close_cached(const CachedConnection& c, double now);
};

}  // namespace mxsim::model
