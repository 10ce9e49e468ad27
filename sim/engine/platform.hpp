// The SimGrid side of a run's hosts and links, internal to the engine: the
// platform built from a scenario (or loaded from its platform file), and the
// SimGrid activities that network sessions run on it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <simgrid/s4u.hpp>

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
  struct LinkChange {
    double time;
    sg4::Link* link;
    enum class Kind : std::uint8_t { off, on, bandwidth } kind;
    double bandwidth;
  };
  std::vector<LinkChange> link_changes;
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
// communication, the work an execution on the server's host. The driver
// waits on `activities` (index 0 is its clock) and reports each end.
class Activities final : public model::Resources {
 public:
  explicit Activities(const Platform& platform) : platform_(platform) {}

  bool transfer(Ticket ticket, std::uint32_t group, std::uint32_t server, double bytes) override;
  bool compute(Ticket ticket, std::uint32_t server, double flops) override;
  bool reachable(std::uint32_t group, std::uint32_t server) override;

  // Adds an activity that is no session's (the driver's clock, at index 0).
  void hold(sg4::ActivityPtr activity);

  std::vector<sg4::ActivityPtr> activities;
  std::vector<Ticket> tickets;

  // Removes activity `i` and returns its ticket.
  Ticket remove(std::size_t i);

  // A host or link changed state (from SimGrid's state-change signals, in
  // kernel context: only noted here).
  void host_changed(const sg4::Host& host);
  void link_changed(const sg4::Link& link);

  // SimGrid does not tell reliably which transfer a failure cut (a wait
  // throws without the index, and a cut transfer can then read as finished),
  // so the engine decides: every activity from index `first` on whose
  // sender host, server host or route went down since the last call is
  // cancelled, removed, and reported through done(ticket, false).
  template <typename Done>
  int cut(std::size_t first, Done done) {
    if (hosts_down_.empty() && links_down_.empty()) return 0;
    int n = 0;
    for (std::size_t i = activities.size(); i-- > first;) {
      if (!crosses_failure(i)) continue;
      activities[i]->cancel();
      done(remove(i), false);
      ++n;
    }
    hosts_down_.clear();
    links_down_.clear();
    return n;
  }

 private:
  struct Use {
    enum class Kind : std::uint8_t { other, transfer, work } kind;
    std::uint32_t group;
    std::uint32_t server;
  };
  bool crosses_failure(std::size_t i) const;

  const Platform& platform_;
  std::vector<Use> uses_;  // by activity
  std::vector<const sg4::Host*> hosts_down_;
  std::vector<const sg4::Link*> links_down_;
};

}  // namespace mxsim::engine
