// The SimGrid side of a run. One long-lived actor holds the model and uses
// Activity::wait_any_for on a never-matched receive as its clock: measured
// here as the fastest way to drive a plain C++ model on SimGrid 3.32
// (docs/developing.md, SimGrid facts). Each server address is a SimGrid
// host whose state profile comes from the scenario's `down` events; the
// host's state-change signal tells the model when it dies or returns. Under
// network sessions the same wait also covers the sessions' transfers and
// work (platform.hpp), whose ends go back to the model.
#include "engine/engine.hpp"

#include <csignal>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <limits>
#include <unordered_map>

#include <fmt/format.h>
#include <simgrid/s4u.hpp>
#include <xbt/log.h>

#include "engine/platform.hpp"
#include "model/world.hpp"

namespace sg4 = simgrid::s4u;

namespace mxsim::engine {

Result run(const scenario::Scenario& scenario, const Options& options) {
  const auto wall_start = std::chrono::steady_clock::now();
  if (!options.sim_log) xbt_log_control_set("root.thres:critical");
  const bool network = scenario.engine.sessions == scenario::SessionKind::network;

  std::vector<std::string> args{"mxsim"};
#ifdef MXSIM_SIMGRID_CONTEXTS
  args.push_back("--cfg=contexts/factory:" MXSIM_SIMGRID_CONTEXTS);
#endif
  if (network) {
    // CM02: latencies and bandwidths as written (the default LV08 scales
    // them to mimic TCP); no reverse-direction cross traffic for the acks.
    args.emplace_back("--cfg=network/model:CM02");
    args.emplace_back("--cfg=network/crosstraffic:0");
  }
  const std::string paje_temp = options.paje.empty() ? "" : options.paje + ".tmp";
  if (!paje_temp.empty()) {
    args.emplace_back("--cfg=tracing:yes");
    args.emplace_back("--cfg=tracing/filename:" + paje_temp);
    args.emplace_back("--cfg=tracing/platform:yes");
    args.emplace_back("--cfg=tracing/uncategorized:yes");
  }
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int argc = static_cast<int>(args.size());
  // SimGrid installs its own SIGINT handler (print status, exit 1); the
  // caller's handlers, which stop the run cleanly, are put back.
  struct sigaction saved_int {}, saved_term {};
  sigaction(SIGINT, nullptr, &saved_int);
  sigaction(SIGTERM, nullptr, &saved_term);
  sg4::Engine engine(&argc, argv.data());
  sigaction(SIGINT, &saved_int, nullptr);
  sigaction(SIGTERM, &saved_term, nullptr);

  model::RoundTripSessions sessions;
  Platform platform;
  Activities activities(platform);
  model::World world(scenario,
                     {options.seed, options.timeseries, options.queue, true, options.trace,
                      network ? &activities : nullptr},
                     sessions);
  platform = build_platform(engine, scenario, world);

  std::unordered_map<const sg4::Host*, std::vector<std::uint32_t>> servers_on;
  for (std::uint32_t s = 0; s < platform.servers.size(); ++s) servers_on[platform.servers[s]].push_back(s);
  sg4::Link::on_state_change_cb([&](const sg4::Link& link) { activities.link_changed(link); });
  sg4::Host::on_state_change_cb([&](const sg4::Host& host) {
    activities.host_changed(host);
    if (auto it = servers_on.find(&host); it != servers_on.end())
      for (auto s : it->second) world.set_server_state(s, host.is_on(), sg4::Engine::get_clock());
  });
  // Pitfall: SimGrid's deadlock detector ends run() early without an error.
  bool deadlock = false;
  sg4::Engine::on_deadlock_cb([&] { deadlock = true; });

  if (!platform.link_changes.empty()) {
    sg4::Actor::create("link-faults", platform.driver, [&] {
      for (const auto& change : platform.link_changes) {
        sg4::this_actor::sleep_until(change.time);
        switch (change.kind) {
          case Platform::LinkChange::Kind::off: change.link->turn_off(); break;
          case Platform::LinkChange::Kind::on: change.link->turn_on(); break;
          case Platform::LinkChange::Kind::bandwidth: change.link->set_bandwidth(change.bandwidth); break;
        }
      }
    })->daemonize();  // ends with the run
  }

  double end = 0;
  bool complete = true;
  sg4::Actor::create("world", platform.driver, [&] {
    int* never = nullptr;
    auto clock_comm = sg4::Mailbox::by_name("clock")->get_async<int>(&never);
    const std::vector<sg4::ActivityPtr> clock{clock_comm};
    // Sleeps until `next`; under network sessions wakes early when a
    // transfer or work ends (then the model hears of it and false is returned).
    auto sleep_until = [&](double next, double now) {
      if (!network) {
        sg4::Activity::wait_any_for(clock, next - now);
        return true;
      }
      return !activities.wait(next - now, [&](auto ticket, bool ok) {
        world.activity_done(ticket, ok, sg4::Engine::get_clock());
      });
    };
    const double horizon = world.horizon();
    auto last_report = std::chrono::steady_clock::now();
    for (std::uint64_t step = 0;; ++step) {
      // Looking at the wall clock costs more than an event: every 4096 steps.
      if ((step & 4095) == 0 && (options.stop || options.progress)) {
        if (options.stop && options.stop->load(std::memory_order_relaxed)) {
          complete = false;
          break;
        }
        const auto now = std::chrono::steady_clock::now();
        if (options.progress &&
            std::chrono::duration<double>(now - last_report).count() >= options.progress_interval_s) {
          options.progress(end, world.submitted());
          last_report = now;
        }
      }
      double next = world.next_time();
      // Every message has ended (activities still in flight belong to
      // sessions the model already closed, on hosts that died).
      if (next == model::World::kNever && (activities.in_flight() == 0 || world.in_flight() == 0)) break;
      next = std::min(next, horizon);
      const double now = sg4::Engine::get_clock();
      if (next > now && !sleep_until(next, now)) continue;
      world.run_until(next);
      end = next;
      if (next >= horizon) break;
    }
    clock_comm->cancel();
  });
  engine.run();
  if (!paje_temp.empty()) std::filesystem::rename(paje_temp, options.paje);

  Result result;
  result.deadlock = deadlock;
  result.conserved = world.conserved();
  result.messages = world.submitted();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  result.complete = complete;
  result.summary = world.summary(end, wall);
  result.summary["complete"] = complete;
  if (deadlock) result.summary["warnings"].push_back("SimGrid reported a deadlock: the run ended early");
  return result;
}

}  // namespace mxsim::engine
