// The SimGrid side of a run's hosts and links, internal to the engine: the
// platform built from a scenario (or loaded from its platform file), and the
// SimGrid activities that network sessions run on it.
#pragma once

#include <cmath>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include <simgrid/s4u.hpp>

#include "engine/fault_schedule.hpp"
#include "model/world.hpp"
#include "scenario/scenario.hpp"

namespace mxsim::engine {

namespace sg4 = simgrid::s4u;

// Where every server and sender group sits.
struct Platform {
  sg4::Host* driver = nullptr;          // runs the model's actor
  std::vector<sg4::Host*> servers;      // by server (address)
  std::vector<sg4::Host*> groups;       // by model group (sender groups, then relays)
  // By model group and server: the links a transfer crosses ([] without a route).
  std::vector<std::vector<std::vector<sg4::Link*>>> routes;

  // Link faults in time order, applied by an actor (a platform file's links
  // are sealed: they take no profiles).
  LinkChanges link_changes;

  // When some server's host goes down or comes back, in time order. Fast
  // sessions: nothing else on the SimGrid side can change the model, so the
  // engine runs the model on its own up to the next of these instants, and
  // applies it there. Network sessions: the changes are host state profiles
  // (which fail the activities on the host); these times only bound how far
  // the model may run ahead of SimGrid.
  HostChanges host_changes;
  // Network sessions: when the link-fault actor applies its next change
  // (infinite when none is left), for the same bound.
  double next_link_change = 0;
};

// Builds the platform in the (not yet running) engine. Round-trip sessions
// get a host per server and nothing else. Network sessions get, per sender
// group and server, a route [group link] + [a fat pipe with latency rtt/2] +
// [server uplink]; or, with `platform:`, the file's hosts and routes. Either
// way the world's round trips become twice the route latency. `down` windows
// become host state profiles; link faults become `link_changes`.
// Throws util::InputError when the platform file lacks a host or link the
// scenario names.
Platform build_platform(sg4::Engine& engine, const scenario::Scenario& scenario, model::World& world);

// Network sessions on SimGrid activities: a transfer is a host-to-host
// communication, the work an execution on the server's host.
//
// Nobody waits on them. Waiting on every activity at once costs time in
// proportion to how many are in flight, at every model event
// (docs/developing.md, SimGrid facts: `wait_any_for` is linear), and an
// actor per activity costs context switches and simcalls at every start
// and end. Instead every activity is started in SimGrid's kernel (the
// maestro): SimGrid then signals the end of such an activity itself
// (`Activity::on_completion`, fired as its step handles the ended actions,
// as for SimDAG's activities), and the signal records the end and releases
// a semaphore the model's actor sleeps on (with the model's next event time
// as its timeout).
class Activities final : public model::Resources {
 public:
  explicit Activities(const Platform& platform);
  ~Activities() override;
  Activities(const Activities&) = delete;
  Activities& operator=(const Activities&) = delete;

  bool transfer(Ticket ticket, std::uint32_t group, std::uint32_t server, double bytes) override;
  bool transfer_then_compute(Ticket ticket, std::uint32_t group, std::uint32_t server, double bytes,
                             double flops) override;
  bool reachable(std::uint32_t group, std::uint32_t server) override;
  // Work alone on the server's cores (the model always has it follow a
  // transfer; tests measure the cores' sharing with it).
  bool compute(Ticket ticket, std::uint32_t server, double flops);

  // From an actor: sleeps until an activity ends or `timeout` seconds pass
  // (infinite: no timeout), then reports every activity that ended through
  // done(ticket, ok), failures included. False when it timed out with
  // nothing to report.
  template <typename Done>
  bool wait(double timeout, Done done) {
    if (!ended_.empty()) {
      report(done);
      return true;
    }
    const bool timed_out = std::isfinite(timeout) ? ready_->acquire_timeout(timeout) : (ready_->acquire(), false);
    report(done);
    return !timed_out;
  }

  // Activities started whose end the model has not heard of yet (SimGrid's
  // still running, or ended and not yet reported by wait()).
  std::size_t in_flight() const { return jobs_.size() - idle_.size() + ended_.size(); }
  // An activity ended, or a host or link went down, and the model has not
  // heard of it yet.
  bool news() const { return !ended_.empty() || !hosts_down_.empty() || !links_down_.empty(); }

  // A host or link changed state (from SimGrid's state-change signals, in
  // kernel context: only noted here).
  void host_changed(const sg4::Host& host);
  void link_changed(const sg4::Link& link);

  // The run is over (from an actor): what is still in flight is cancelled,
  // so that SimGrid does not go on simulating it; nothing more is reported.
  void stop();

 private:
  struct Use {
    enum class Kind : std::uint8_t { transfer, work } kind;
    std::uint32_t group;
    std::uint32_t server;
  };
  struct Job {
    Activities* owner = nullptr;
    sg4::ActivityPtr activity;  // null: the job is free
    Ticket ticket = 0;
    Use use{};
    double then_flops = 0;  // > 0: work to start on the server when the transfer ends
    bool cut = false;  // failed by cut(): SimGrid's own end is not reported
  };

  // Starts `start()` (which returns the started activity) in the kernel as
  // the activity of a free job.
  template <typename Start>
  void launch(Ticket ticket, Use use, double then_flops, Start start);
  sg4::ActivityPtr start_work(std::uint32_t server, double flops) const;
  // SimGrid's signal that a job's activity ended (kernel context).
  void ended(Job& job, bool finished);
  bool crosses_failure(const Use& use) const;
  // SimGrid does not tell reliably which transfer a failure cut (a transfer
  // to a host that died can read as finished), so the engine decides: every
  // activity whose sender host, server host or route went down since the
  // last call is reported failed at once.
  void cut();

  template <typename Done>
  void report(Done done) {
    retired_.clear();
    cut();
    // What the model does on hearing of an end may wait for SimGrid (starting
    // a transfer is a simcall), and other ends can be signalled meanwhile:
    // they stay in ended_ for the next report.
    reporting_.swap(ended_);
    for (const auto& [ticket, ok] : reporting_) done(ticket, ok);
    reporting_.clear();
  }

  const Platform& platform_;
  std::deque<Job> jobs_;  // stable addresses: each running activity points at its job
  std::vector<Job*> idle_;
  std::vector<std::pair<Ticket, bool>> ended_;
  std::vector<std::pair<Ticket, bool>> reporting_;  // ended_, as report() hands it to the model
  // Ended activities, released outside SimGrid's completion signal (which
  // goes on using the activity after its callbacks).
  std::vector<sg4::ActivityPtr> retired_;
  sg4::SemaphorePtr ready_ = sg4::Semaphore::create(0);
  std::vector<const sg4::Host*> hosts_down_;
  std::vector<const sg4::Link*> links_down_;
};

}  // namespace mxsim::engine
