// The SimGrid side of a run. One long-lived actor holds the model and uses
// Activity::wait_any_for on a never-matched receive as its clock: measured
// here as the fastest way to drive a plain C++ model on SimGrid 3.32
// (docs/developing.md, SimGrid facts). Each server address is a SimGrid
// host whose state profile comes from the scenario's `down` events; the
// host's state-change signal tells the model when it dies or returns. Under
// network sessions the same wait also covers the sessions' transfers and
// work (platform.hpp), whose ends go back to the model.
#include "engine/engine.hpp"

#include <algorithm>
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
#include "report/recorder.hpp"

namespace sg4 = simgrid::s4u;

namespace mxsim::engine {
namespace {

#ifndef MXSIM_SIMGRID_CONTEXTS
// Stack of every SimGrid actor (see simgrid_args).
constexpr int kStackKiB = 256;
#endif

// SimGrid's command line: the actors' stacks, the network model of network
// sessions, the Paje trace.
std::vector<std::string> simgrid_args(bool network, const std::string& paje_temp) {
  std::vector<std::string> args{"mxsim"};
#ifdef MXSIM_SIMGRID_CONTEXTS
  args.push_back("--cfg=contexts/factory:" MXSIM_SIMGRID_CONTEXTS);
#else
  // Pitfall: every actor gets SimGrid's 8 MiB stack by default, reserved up
  // front (when an actor waited on each network activity, a few hundred of
  // them reserved gigabytes: content-filter-burst aborted with "Failed to
  // allocate stack" under `ulimit -v 1500000`). The deepest actor, the
  // model's, ran every committed scenario on 8 KiB (4 KiB crashed): 256 KiB
  // is that with a wide margin. Sanitizer builds keep the default (their
  // frames are larger).
  args.emplace_back(fmt::format("--cfg=contexts/stack-size:{}", kStackKiB));
#endif
  if (network) {
    // CM02: latencies and bandwidths as written (the default LV08 scales
    // them to mimic TCP); no reverse-direction cross traffic for the acks.
    args.emplace_back("--cfg=network/model:CM02");
    args.emplace_back("--cfg=network/crosstraffic:0");
  }
  if (!paje_temp.empty()) {
    args.emplace_back("--cfg=tracing:yes");
    args.emplace_back("--cfg=tracing/filename:" + paje_temp);
    args.emplace_back("--cfg=tracing/platform:yes");
    args.emplace_back("--cfg=tracing/uncategorized:yes");
  }
  return args;
}

// SimGrid installs its own SIGINT handler (print status, exit 1); the
// caller's handlers, which stop the run cleanly, are put back.
// `argv` (pointers into `args`) lives as long as the engine.
std::unique_ptr<sg4::Engine> make_engine(std::vector<std::string>& args, std::vector<char*>& argv) {
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int argc = static_cast<int>(args.size());
  struct sigaction saved_int {}, saved_term {};
  sigaction(SIGINT, nullptr, &saved_int);
  sigaction(SIGTERM, nullptr, &saved_term);
  auto engine = std::make_unique<sg4::Engine>(&argc, argv.data());
  sigaction(SIGINT, &saved_int, nullptr);
  sigaction(SIGTERM, &saved_term, nullptr);
  return engine;
}

// Host state changes reach the model (and the activities they cut); link
// ones the activities.
void watch_states(const Platform& platform, Activities& activities, model::World& world) {
  auto servers_on = std::make_shared<std::unordered_map<const sg4::Host*, std::vector<std::uint32_t>>>();
  for (std::uint32_t s = 0; s < platform.servers.size(); ++s) (*servers_on)[platform.servers[s]].push_back(s);
  sg4::Link::on_state_change_cb([&activities](const sg4::Link& link) { activities.link_changed(link); });
  sg4::Host::on_state_change_cb([&activities, &world, servers_on](const sg4::Host& host) {
    activities.host_changed(host);
    if (auto it = servers_on->find(&host); it != servers_on->end())
      for (auto s : it->second) world.set_server_state(s, host.is_on(), sg4::Engine::get_clock());
  });
}

// Link faults in time order (a platform file's links take no profiles).
void start_link_faults(Platform& platform) {
  if (platform.link_changes.empty()) {
    platform.next_link_change = std::numeric_limits<double>::infinity();
    return;
  }
  sg4::Actor::create("link-faults", platform.driver, [&platform] {
    LinkChanges::Change change{};
    while (platform.link_changes.next(change)) {
      platform.next_link_change = change.time;
      sg4::this_actor::sleep_until(change.time);
      switch (change.kind) {
        case LinkChanges::Change::Kind::off: change.link->turn_off(); break;
        case LinkChanges::Change::Kind::on: change.link->turn_on(); break;
        case LinkChanges::Change::Kind::bandwidth: change.link->set_bandwidth(change.bandwidth); break;
      }
    }
    platform.next_link_change = std::numeric_limits<double>::infinity();
  })->daemonize();  // ends with the run
}

// Network sessions: the earliest instant at which something on the SimGrid
// side may reach the model, SimGrid's clock being `now`: an activity's next
// phase or end (what SimGrid's own step would compute: each model's next
// event, the same sum), a host or link state change. Before it, only the
// model's own events can happen.
double engine_next_event(Platform& platform, double now) {
  double next = std::numeric_limits<double>::infinity();
  for (auto* model : sg4::Engine::get_instance()->get_all_models()) {
    if (!model->next_occurring_event_is_idempotent()) return now;  // cannot ask without side effects
    if (const double delta = model->next_occurring_event(now); delta >= 0) next = std::min(next, now + delta);
  }
  double when = 0;
  const sg4::Host* host = nullptr;
  bool up = false;
  while (platform.host_changes.take_until(now, when, host, up)) {
  }
  return std::min({next, platform.host_changes.next_time(), platform.next_link_change});
}

struct Drive {
  double end = 0;         // simulated time reached
  bool complete = true;   // false: Options::stop ended the run
};

// The model's actor: sleeps until the model's next event (or an activity's
// end), lets the model run up to then, until every message has ended or
// the horizon is reached. Checks the stop flag and reports progress.
void start_world(Platform& platform, Activities& activities, model::World& world, bool network,
                 const Options& options, Drive& drive) {
  sg4::Actor::create("world", platform.driver, [&, network] {
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
    // Conservative look-ahead (fast sessions): between two host state
    // changes SimGrid has nothing to tell the model, so the model runs its
    // own events up to the next change without waking SimGrid; at a change
    // SimGrid advances, the change reaches the model, and the model's
    // same-instant rule puts it before any attempt at that time.
    auto& changes = platform.host_changes;
    std::unordered_map<const sg4::Host*, std::vector<std::uint32_t>> servers_on;
    for (std::uint32_t s = 0; s < platform.servers.size(); ++s) servers_on[platform.servers[s]].push_back(s);
    // The stop flag is one relaxed load: looked at every step, so that a
    // signal acts after the step under way, whatever it costs. The wall
    // clock costs more than a cheap step: it is read every `stride` steps,
    // the stride doubled while reads come less than 2 ms apart and halved
    // when more than 20 ms, so progress keeps to time with dear steps too.
    constexpr std::uint64_t kMaxStride = 4096;
    // engine_next_event() as of SimGrid's last step (NaN: to ask again). The
    // model's own events do not touch SimGrid, so it holds until SimGrid
    // steps or the model starts an activity.
    double engine_next = std::numeric_limits<double>::quiet_NaN();
    std::uint64_t stride = 1, next_clock = 0;
    auto last_clock = last_report;
    for (std::uint64_t step = 0;; ++step) {
      if (options.stop && options.stop->load(std::memory_order_relaxed)) {
        drive.complete = false;
        break;
      }
      if (options.progress && step >= next_clock) {
        const auto now = std::chrono::steady_clock::now();
        const double apart = std::chrono::duration<double>(now - last_clock).count();
        if (apart < 0.002 && stride < kMaxStride) stride *= 2;
        else if (apart > 0.020 && stride > 1) stride /= 2;
        last_clock = now;
        next_clock = step + stride;
        if (std::chrono::duration<double>(now - last_report).count() >= options.progress_interval_s) {
          options.progress(drive.end, world.submitted());
          last_report = now;
        }
      }
      double next = world.next_time();
      // Every message has ended (activities still in flight belong to
      // sessions the model already closed, on hosts that died).
      if (next == model::World::kNever && (activities.in_flight() == 0 || world.in_flight() == 0)) break;
      next = std::min(next, horizon);
      const double now = sg4::Engine::get_clock();
      if (!network) {
        if (next < changes.next_time() && next < horizon) {
          world.run_until(next);
          drive.end = next;
          continue;
        }
        // A change at or before `next`: SimGrid's clock goes there, and the
        // changes up to it reach the model, in time order, before any
        // attempt at that instant.
        sleep_until(next, now);
        double when = 0;
        const sg4::Host* host = nullptr;
        bool up = false;
        while (changes.take_until(next, when, host, up))
          if (auto it = servers_on.find(host); it != servers_on.end())
            for (auto s : it->second) world.set_server_state(s, up, when);
      } else if (next > now) {
        // Look-ahead (network sessions): the model's own events (arrivals,
        // round trips, retries, everything but a DATA transfer's start) run
        // without waking SimGrid while they fall before its next event.
        // SimGrid then catches up in one step; what it computes does not
        // depend on the steps it skipped (lazy updates).
        if (next < horizon && next < world.next_engine_time() && !activities.news()) {
          if (std::isnan(engine_next)) engine_next = engine_next_event(platform, now);
          if (next < engine_next) {
            world.run_until(next);
            drive.end = next;
            continue;
          }
        }
        engine_next = std::numeric_limits<double>::quiet_NaN();
        if (!sleep_until(next, now)) continue;
      }
      engine_next = std::numeric_limits<double>::quiet_NaN();
      world.run_until(next);
      drive.end = next;
      if (next >= horizon) break;
    }
    clock_comm->cancel();
    if (network) activities.stop();
  });
}

}  // namespace

Result run(const scenario::Scenario& scenario, const Options& options) {
  const auto wall_start = std::chrono::steady_clock::now();
  if (!options.sim_log) xbt_log_control_set("root.thres:critical");
  const bool network = scenario.engine.sessions == scenario::SessionKind::network;
  const std::string paje_temp = options.paje.empty() ? "" : options.paje + ".tmp";
  auto args = simgrid_args(network, paje_temp);
  std::vector<char*> argv;
  auto engine = make_engine(args, argv);

  Platform platform;
  Activities activities(platform);
  model::RoundTripSessions round_trips;
  model::NetworkSessions shared(activities);
  model::World world(scenario, {.seed = options.seed, .outages_from_engine = true, .stop = options.stop},
                     network ? static_cast<model::SessionModel&>(shared) : round_trips);
  report::Recorder recorder(world, {.timeseries = options.timeseries, .queue = options.queue, .trace = options.trace});
  world.observe(recorder);
  platform = build_platform(*engine, scenario, world);

  watch_states(platform, activities, world);
  // Pitfall: SimGrid's deadlock detector ends run() early without an error.
  bool deadlock = false;
  sg4::Engine::on_deadlock_cb([&] { deadlock = true; });
  start_link_faults(platform);
  Drive drive;
  start_world(platform, activities, world, network, options, drive);
  engine->run();
  if (!paje_temp.empty()) std::filesystem::rename(paje_temp, options.paje);

  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  Result result;
  result.summary = recorder.finish({.seed = options.seed, .end = drive.end, .wall_s = wall});
  result.summary.complete = drive.complete;
  if (deadlock) result.summary.warnings.emplace_back("SimGrid reported a deadlock: the run ended early");
  result.conserved = world.conserved() && recorder.stats().agrees_with(world);
  result.deadlock = deadlock;
  result.complete = drive.complete;
  result.messages = world.submitted();
  result.events = world.events();
  result.wall_s = wall;
  return result;
}

}  // namespace mxsim::engine
