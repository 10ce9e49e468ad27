// The SimGrid side of a run. One long-lived actor holds the model and uses
// Activity::wait_any_for on a never-matched receive as its clock: measured
// here as the fastest way to drive a plain C++ model on SimGrid 3.32
// (../shared/reference/simgrid-notes.md). Each server address is a SimGrid
// host whose state profile comes from the scenario's `down` events; the
// host's state-change signal tells the model when it dies or returns.
#include "engine/engine.hpp"

#include <csignal>
#include <chrono>
#include <limits>
#include <unordered_map>

#include <fmt/format.h>
#include <simgrid/kernel/ProfileBuilder.hpp>
#include <simgrid/s4u.hpp>
#include <xbt/log.h>

#include "model/world.hpp"

namespace sg4 = simgrid::s4u;

namespace mxsim::engine {
namespace {

std::string state_profile(const std::vector<model::DownWindow>& windows) {
  std::string text;
  for (const auto& w : windows) {
    text += fmt::format("{:.17g} 0\n", w.start);
    if (std::isfinite(w.end)) text += fmt::format("{:.17g} 1\n", w.end);
  }
  return text;
}

}  // namespace

Result run(const scenario::Scenario& scenario, const Options& options) {
  const auto wall_start = std::chrono::steady_clock::now();
  if (!options.sim_log) xbt_log_control_set("root.thres:critical");

  std::vector<std::string> args{"mxsim"};
#ifdef MXSIM_SIMGRID_CONTEXTS
  args.push_back("--cfg=contexts/factory:" MXSIM_SIMGRID_CONTEXTS);
#endif
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
  model::World world(scenario, {options.seed, options.timeseries, options.queue, true, options.trace}, sessions);

  auto* zone = sg4::create_full_zone("mxsim");
  auto* driver = zone->create_host("driver", 1e9);
  std::unordered_map<const sg4::Host*, std::uint32_t> server_of;
  const double bound = world.time_bound();
  for (std::uint32_t s = 0; s < world.server_count(); ++s) {
    auto* host = zone->create_host(fmt::format("server-{}-{}", s, world.server_address(s)), 1e9);
    server_of[host] = s;
    const auto windows = world.down_windows(s, bound);
    if (!windows.empty())
      host->set_state_profile(simgrid::kernel::profile::ProfileBuilder::from_string(
          fmt::format("down-{}", s), state_profile(windows), -1));
  }
  zone->seal();

  sg4::Host::on_state_change_cb([&](const sg4::Host& host) {
    if (auto it = server_of.find(&host); it != server_of.end())
      world.set_server_state(it->second, host.is_on(), sg4::Engine::get_clock());
  });
  bool deadlock = false;
  sg4::Engine::on_deadlock_cb([&] { deadlock = true; });

  double end = 0;
  bool complete = true;
  sg4::Actor::create("world", driver, [&] {
    int* never = nullptr;
    auto clock_comm = sg4::Mailbox::by_name("clock")->get_async<int>(&never);
    const std::vector<sg4::ActivityPtr> clock{clock_comm};
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
      if (next == model::World::kNever) break;  // every message has ended
      next = std::min(next, horizon);
      const double now = sg4::Engine::get_clock();
      if (next > now) sg4::Activity::wait_any_for(clock, next - now);
      world.run_until(next);
      end = next;
      if (next >= horizon) break;
    }
    clock_comm->cancel();
  });
  engine.run();

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
