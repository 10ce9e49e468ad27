// Network sessions on SimGrid (engine/platform.hpp): n equal transfers at
// once over one link each take n times one alone; n equal works on a host
// of c cores take max(1, n/c) times one alone, with no actor per activity;
// a link or host that goes down fails what crosses it without ending the
// process. One SimGrid engine per process: everything runs in one test.
#include <gtest/gtest.h>

#include <limits>

#include <simgrid/s4u.hpp>
#include <xbt/log.h>

#include "engine/platform.hpp"
#include "model/world.hpp"
#include "scenario/scenario.hpp"

namespace {

using namespace mxsim;
namespace sg4 = simgrid::s4u;

constexpr double kBandwidth = 1e6;  // bytes/s of the sender group's link (8 Mbit/s)
constexpr double kBytes = 2e6;      // each transfer: 2 s alone
constexpr double kSpeed = 1e9;      // flop/s per core
constexpr double kFlops = 3e9;      // each work: 3 s alone
constexpr int kCores = 2;

const char* const kScenario = R"(
engine: {sessions: network}
duration: 1s
zone: |
  $ORIGIN example.com.
  @   3600 IN MX 10 mx
  mx  3600 IN A 192.0.2.1
servers:
  mx.example.com: {cpu: {cores: 2, speed: 1Gf}, work: 3e9, uplink: {bandwidth: 1GBps, latency: 5ms}}
senders:
  - {name: s, rate: 1/s, rtt: 20ms, to: example.com, size: 2MB, link: {bandwidth: 8Mbps, latency: 5ms}}
)";

// Starts `n` activities with `start` and returns the time each took.
template <typename Start>
std::vector<double> all_at_once(engine::Activities& activities, int n, Start start) {
  const double t0 = sg4::Engine::get_clock();
  for (int i = 0; i < n; ++i) EXPECT_TRUE(start(static_cast<model::Resources::Ticket>(i)));
  // Nobody waits on an activity (SimGrid signals its end): the test's actor
  // is the only one, however many are in flight.
  EXPECT_EQ(sg4::Engine::get_instance()->get_actor_count(), 1u) << n << " activities in flight";
  std::vector<double> took;
  while (took.size() < static_cast<std::size_t>(n) && activities.in_flight() > 0)
    activities.wait(std::numeric_limits<double>::infinity(), [&](auto, bool ok) {
      EXPECT_TRUE(ok);
      took.push_back(sg4::Engine::get_clock() - t0);
    });
  return took;
}

TEST(NetworkSessions, LinksAndCoresAreShared) {
  xbt_log_control_set("root.thres:critical");
  std::vector<std::string> args{"test_network", "--cfg=network/model:CM02", "--cfg=network/crosstraffic:0"};
#ifdef MXSIM_SIMGRID_CONTEXTS
  args.emplace_back("--cfg=contexts/factory:" MXSIM_SIMGRID_CONTEXTS);  // ASan: thread contexts
#endif
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int argc = static_cast<int>(args.size());
  sg4::Engine engine(&argc, argv.data());

  const auto scenario = scenario::load_text(kScenario, "network.yaml");
  engine::Platform platform;
  engine::Activities activities(platform);
  model::NetworkSessions sessions(activities);
  model::World world(scenario, {.seed = 1, .outages_from_engine = true}, sessions);
  platform = engine::build_platform(engine, scenario, world);
  sg4::Host::on_state_change_cb([&](const sg4::Host& h) { activities.host_changed(h); });

  // The route: sender link 5 ms + rtt/2 = 10 ms + uplink 5 ms, one way.
  EXPECT_NEAR(world.group_rtt(0, 0), 2 * (0.005 + 0.010 + 0.005), 1e-12);
  const double latency = world.group_rtt(0, 0) / 2;

  bool ran = false;
  sg4::Actor::create("test", platform.driver, [&] {
    for (int n : {1, 2, 4, 8}) {
      // Transfers: the 8 Mbit/s link is the bottleneck, shared n ways.
      const auto took = all_at_once(activities, n, [&](auto t) { return activities.transfer(t, 0, 0, kBytes); });
      ASSERT_EQ(took.size(), static_cast<std::size_t>(n));
      for (double d : took) EXPECT_NEAR(d, latency + n * kBytes / kBandwidth, 1e-6) << n << " transfers";
    }
    for (int n : {1, 2, 4, 8}) {
      // Works: each runs on at most one core; n share the two.
      const auto took = all_at_once(activities, n, [&](auto t) { return activities.compute(t, 0, kFlops); });
      ASSERT_EQ(took.size(), static_cast<std::size_t>(n));
      const double factor = std::max(1.0, static_cast<double>(n) / kCores);
      for (double d : took) EXPECT_NEAR(d, factor * kFlops / kSpeed, 1e-6) << n << " works";
    }
    // A host that dies under transfers and works fails them (no abort, no loss),
    // and nothing new starts on it until it is back.
    EXPECT_TRUE(activities.transfer(1, 0, 0, kBytes));
    EXPECT_TRUE(activities.compute(2, 0, kFlops));
    sg4::this_actor::sleep_for(0.5);
    platform.servers[0]->turn_off();
    int failed = 0;
    while (failed + (activities.in_flight() > 0 ? 0 : 2) < 2)
      activities.wait(10, [&](auto, bool ok) { failed += ok ? 0 : 1; });
    EXPECT_EQ(failed, 2);
    EXPECT_FALSE(activities.transfer(3, 0, 0, kBytes));
    EXPECT_FALSE(activities.compute(4, 0, kFlops));
    platform.servers[0]->turn_on();
    // A link that is down makes the server unreachable.
    EXPECT_TRUE(activities.reachable(0, 0));
    platform.routes[0][0].front()->turn_off();
    EXPECT_FALSE(activities.reachable(0, 0));
    EXPECT_FALSE(activities.transfer(5, 0, 0, kBytes));
    platform.routes[0][0].front()->turn_on();
    EXPECT_TRUE(activities.reachable(0, 0));
    // An end signalled while the model hears of another (a link cut from the
    // model's reaction, which waits for SimGrid) is reported as well.
    auto* link = platform.routes[0][0].front();
    EXPECT_TRUE(activities.transfer(10, 0, 0, 1));       // ends first
    EXPECT_TRUE(activities.transfer(11, 0, 0, kBytes));  // cut by the link
    std::vector<std::pair<model::Resources::Ticket, bool>> heard;
    const double until = sg4::Engine::get_clock() + 10;
    while (heard.size() < 2 && sg4::Engine::get_clock() < until)
      activities.wait(until - sg4::Engine::get_clock(), [&](auto ticket, bool ok) {
        heard.emplace_back(ticket, ok);
        if (ticket == 10) link->turn_off();
      });
    const std::vector<std::pair<model::Resources::Ticket, bool>> expected{{10, true}, {11, false}};
    EXPECT_EQ(heard, expected);
    link->turn_on();
    ran = true;
  });
  engine.run();
  EXPECT_TRUE(ran);
}

}  // namespace
