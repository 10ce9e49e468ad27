// The statistics observers fed by hand-made event streams: utilization over
// the span a host was up and received traffic, fairness counted only while
// a level was wholly up, the trace in start order, the events as applied.
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "report/applied.hpp"
#include "report/stats.hpp"
#include "report/trace.hpp"

namespace mxsim::report {
namespace {

using model::AttemptEnd;
using model::Outcome;

// Two servers of two sessions each; one level of two hosts (one address each).
StatsSetup two_servers(double bin = 600) {
  return {.sessions = {2, 2}, .sender_groups = 1, .bin = bin, .levels = {LevelHosts{{0}, {1}}}};
}

TEST(Utilization, FullForTheHourTheHostWasUpReadsOne) {
  // Server 0: both sessions busy from its first connection at 0 s until its
  // host dies at 3600 s; connections keep timing out against the dead host
  // until 7200 s. The run goes on to 10000 s.
  Stats stats(two_servers());
  for (int slot = 0; slot < 2; ++slot) {
    stats.connection(0, 0);
    stats.session_started(0, 0);
  }
  stats.server_state(3600, 0, false);
  for (int slot = 0; slot < 2; ++slot) stats.session_ended(3600, 0);
  stats.connection(5000, 0);
  stats.attempt_ended({.start = 5000, .end = 7200, .server = 0, .outcome = Outcome::timeout});
  stats.finish(10000);
  const Busy busy = stats.busy(0);
  EXPECT_DOUBLE_EQ(busy.busy_session_s, 7200);
  EXPECT_DOUBLE_EQ(busy.span_s, 7200);
  EXPECT_DOUBLE_EQ(busy.up_s, 3600);
  EXPECT_DOUBLE_EQ(busy.utilization, 1.0);
  EXPECT_DOUBLE_EQ(busy.peak_bin_utilization, 1.0);
  // Server 1 had no traffic at all.
  EXPECT_DOUBLE_EQ(stats.busy(1).utilization, 0.0);
}

TEST(Utilization, HalfBusyOverTheTrafficSpanNotTheRun) {
  // One session of two busy from 1000 s to 2000 s; the run lasts 100000 s.
  Stats stats(two_servers(500));
  stats.connection(1000, 1);
  stats.session_started(1000, 1);
  stats.session_ended(2000, 1);
  stats.finish(100000);
  EXPECT_DOUBLE_EQ(stats.busy(1).utilization, 0.5);
  EXPECT_DOUBLE_EQ(stats.busy(1).peak_bin_utilization, 0.5);
}

TEST(Fairness, CountsOnlyWhileTheWholeLevelIsUp) {
  Stats stats(two_servers());
  auto accept = [&](double t, std::uint32_t s) {
    stats.connection(t, s);
    stats.attempt_ended({.start = t, .end = t, .server = s, .outcome = Outcome::accepted});
  };
  accept(1, 0);
  accept(2, 1);
  stats.server_state(10, 0, false);
  for (int i = 0; i < 50; ++i) accept(11 + i, 1);  // server 1 alone takes the level's mail
  stats.server_state(100, 0, true);
  accept(101, 0);
  accept(102, 1);
  stats.finish(200);
  EXPECT_EQ(stats.server(1).accepted, 52u);
  EXPECT_EQ(stats.accepted_while_level_up(0), (std::vector<std::uint64_t>{2, 2}));
}

TEST(Fairness, AHostIsUpWhileAnyOfItsAddressesIs) {
  // Host 0 has two addresses (renumbered: 0 then 2); address 0 dies after the change.
  Stats stats({.sessions = {2, 2, 2}, .sender_groups = 1, .bin = 60, .levels = {LevelHosts{{0, 2}, {1}}}});
  stats.server_state(5, 0, false);
  stats.connection(6, 2);
  stats.attempt_ended({.start = 6, .end = 7, .server = 2, .outcome = Outcome::accepted});
  stats.finish(10);
  EXPECT_EQ(stats.accepted_while_level_up(0), (std::vector<std::uint64_t>{1, 0}));
}

TEST(Trace, LinesComeInStartOrderTiesInEndOrder) {
  std::ostringstream out;
  Trace trace({"group, \"A\""}, {{.host = "mx.example.com", .address = "192.0.2.1"}}, out);
  trace.connection(1, 0);  // a long attempt: ends last
  trace.connection(2, 0);
  trace.connection(2, 0);
  trace.attempt_ended({.start = 2, .end = 3, .message = 1, .server = 0, .outcome = Outcome::accepted});
  EXPECT_EQ(out.str().find("\n2,"), std::string::npos) << "a line waited for no earlier attempt";
  trace.attempt_ended({.start = 2, .end = 4, .message = 2, .server = 0, .outcome = Outcome::refused});
  trace.attempt_ended({.start = 1, .end = 30, .message = 0, .server = 0, .outcome = Outcome::timeout});
  trace.connection(40, 0);  // still open at the end: no line
  trace.finish();
  EXPECT_EQ(out.str(),
            "start_s,message,sender,mta,address,host,outcome,duration_s\n"
            "1,0,\"group, \"\"A\"\"\",0,192.0.2.1,mx.example.com,timeout,29\n"
            "2,1,\"group, \"\"A\"\"\",0,192.0.2.1,mx.example.com,accepted,1\n"
            "2,2,\"group, \"\"A\"\"\",0,192.0.2.1,mx.example.com,refused,2\n");
}

TEST(AppliedEvents, HeardWindowsAndScheduledOnesClippedAtTheEnd) {
  scenario::Scenario s;
  auto event = [&](double at, scenario::Fault fault, std::string target) -> scenario::Event& {
    scenario::Event& e = s.events.emplace_back();
    e.at = at;
    e.fault = fault;
    e.target = std::move(target);
    return e;
  };
  event(100, scenario::Fault::refuse, "mx1").length = 50;
  auto& down = event(10, scenario::Fault::down, "mx2");
  down.length = 20;
  down.every = 100;
  event(120, scenario::Fault::zone_update, "").zone_text = "mx 60 IN A 192.0.2.7\n";
  AppliedEvents applied(s);
  applied.fault_began(100, 0);
  applied.fault_began(120, 2);
  const auto all = applied.windows(220);  // the refuse window is still open; down is the engine's
  EXPECT_EQ(all.more, 0u);
  const auto& windows = all.listed;
  ASSERT_EQ(windows.size(), 4u);
  EXPECT_EQ(windows[0].fault, "down");
  EXPECT_DOUBLE_EQ(windows[0].start_s, 10);
  EXPECT_DOUBLE_EQ(windows[0].end_s, 30);
  EXPECT_EQ(windows[1].fault, "refuse");
  EXPECT_DOUBLE_EQ(windows[1].end_s, 220);
  EXPECT_TRUE(windows[1].until_end);
  EXPECT_DOUBLE_EQ(windows[2].start_s, 110);
  EXPECT_DOUBLE_EQ(windows[3].start_s, 210);
  EXPECT_DOUBLE_EQ(windows[3].end_s, 220);
  EXPECT_TRUE(windows[3].until_end);
  ASSERT_EQ(applied.zone_changes().size(), 1u);
  EXPECT_DOUBLE_EQ(applied.zone_changes()[0].at_s, 120);
}

// A periodic fault over a long run: the first kListedWindows windows in
// order of start, the others counted, heard ones and scheduled ones alike.
TEST(AppliedEvents, ListsTheFirstWindowsAndCountsTheRest) {
  scenario::Scenario s;
  auto& down = s.events.emplace_back();  // the engine's: from the schedule
  down.fault = scenario::Fault::down;
  down.target = "mx1";
  down.length = 0.5;
  down.every = 1.0;
  auto& refuse = s.events.emplace_back();  // the model's: heard
  refuse.fault = scenario::Fault::refuse;
  refuse.target = "mx2";
  refuse.at = 0.25;
  refuse.length = 0.5;
  refuse.every = 1.0;
  AppliedEvents applied(s);
  const double end = 1e6;  // 10^6 windows of each
  for (double t = 0.25; t < end; t += 1.0) {
    applied.fault_began(t, 1);
    applied.fault_ended(t + 0.5, 1);
  }
  const auto w = applied.windows(end);
  ASSERT_EQ(w.listed.size(), AppliedEvents::kListedWindows);
  EXPECT_EQ(w.listed.size() + w.more, 2'000'000u);
  EXPECT_EQ(w.listed[0].event, 0u);
  EXPECT_DOUBLE_EQ(w.listed[1].start_s, 0.25);
  EXPECT_DOUBLE_EQ(w.listed[1].end_s, 0.75);
  EXPECT_DOUBLE_EQ(w.listed.back().start_s, 499.25);
}

}  // namespace
}  // namespace mxsim::report
