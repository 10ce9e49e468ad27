// The sending MTA as a queue manager, through the whole model: Postfix's
// window and dead destination over real connections, and connection reuse
// (one attempt reported per message, fewer connections, fewer round trips,
// smtp_connection_reuse_time_limit).
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "model/world.hpp"
#include "scenario/scenario.hpp"
#include "support/model_run.hpp"

namespace mxsim::model {
namespace {

// What a test needs to see of a run, straight from the observer hooks.
struct Log final : Observer {
  std::vector<double> connections;               // when each new connection began
  std::vector<AttemptEnd> attempts;
  std::map<std::uint32_t, std::uint64_t> closed;  // messages carried -> connections
  std::uint64_t delivered_count = 0;
  void connection(double t, std::uint32_t) override { connections.push_back(t); }
  void attempt_ended(const AttemptEnd& a) override { attempts.push_back(a); }
  void connection_closed(double, std::uint32_t, std::uint32_t messages) override { ++closed[messages]; }
  void delivered(double, std::uint32_t, double) override { ++delivered_count; }
};

Log run(const std::string& yaml) {
  Log log;
  test::ModelRun(yaml, "queue-manager.yaml", 1).run(log);
  return log;
}

// One MX host with room for every session; about `messages` messages queued
// at t = 0 by one Postfix MTA.
std::string backlog(int messages, const std::string& service, const std::string& overrides = "",
                    const std::string& events = "") {
  return "duration: 1s\n" + test::kOneMxZone + fmt::format(R"(servers:
  mx.example.com: {{sessions: 1000, service: {}}}
senders:
  - {{name: s, mtas: 1, profile: postfix, rate: {}/s, rtt: 100ms, to: example.com{}}}
{})",
                     service, messages, overrides, events);
}

std::uint64_t total(const std::map<std::uint32_t, std::uint64_t>& closed, bool weighted) {
  std::uint64_t n = 0;
  for (const auto& [messages, count] : closed) n += weighted ? messages * count : count;
  return n;
}

// Sessions are kept for the waiting messages: every message is one attempt
// in the trace, the connections are few, and a message over a kept
// connection pays the RSET probe instead of connect, greeting and EHLO:
// 3 round trips (1.3 s) instead of 5 (1.5 s).
TEST(QueueManager, PostfixReusesConnectionsForItsBacklog) {
  const auto log = run(backlog(1000, "1s"));
  const auto n = log.delivered_count;
  ASSERT_GT(n, 900u);
  EXPECT_EQ(log.attempts.size(), n);
  EXPECT_LT(log.connections.size(), n / 10);
  EXPECT_EQ(total(log.closed, false), log.connections.size());  // every connection closes once
  EXPECT_EQ(total(log.closed, true), n);                        // carrying every message once
  std::map<long, std::uint64_t> durations;  // by milliseconds
  for (const auto& a : log.attempts) ++durations[std::lround((a.end - a.start) * 1000)];
  EXPECT_EQ(durations.size(), 2u);
  EXPECT_EQ(durations[1500], log.connections.size());
  EXPECT_EQ(durations[1300], n - log.connections.size());
}

TEST(QueueManager, WithoutReuseEveryMessageConnects) {
  const auto log = run(backlog(1000, "1s", ", overrides: {connection_reuse: false}"));
  EXPECT_EQ(log.connections.size(), log.delivered_count);
  EXPECT_EQ(log.closed.size(), 1u);
  EXPECT_EQ(log.closed.at(1), log.delivered_count);
}

// smtp_connection_reuse_time_limit = 300 s from the connect: with 100 s of
// service a connection ends its messages at 100.5, 200.8 and 301.1 s, and
// is not kept after the third.
TEST(QueueManager, ReuseStopsAtTheTimeLimit) {
  const auto log = run(backlog(200, "100s"));
  ASSERT_FALSE(log.closed.empty());
  EXPECT_EQ(log.closed.rbegin()->first, 3u);
  EXPECT_GT(log.closed.at(3), 10u);
}

// The only host is down: the window of 5 lets 5 deliveries connect; their
// 30 s timeouts are failures at windows 5, 3 and 2, whose pseudo-cohorts
// (0.2 + 1/3 + 1/2) reach 1 at the third: the destination is dead. The mail
// waiting for it is deferred, and new mail too, without connecting, until
// its timer (minimal_backoff_time, 300 s) revives it at the initial window.
TEST(QueueManager, PostfixDestinationDiesAfterAFailedPseudoCohort) {
  const auto log = run("duration: 20m\n" + test::kOneMxZone + R"(servers:
  mx.example.com: {sessions: 10, service: 1s}
senders:
  - {name: s, mtas: 1, profile: postfix, rate: 1/s, rtt: 100ms, to: example.com}
events:
  - {at: 0s, for: 1h, target: mx.example.com, fault: down}
)");
  std::vector<double> first;
  for (double t : log.connections)
    if (t < 330) first.push_back(t);
  ASSERT_EQ(first.size(), 5u);
  // Revived after 300 s: the next connections come after the death (the
  // third timeout, 30 s after the third connection) + 300 s.
  const double death = log.attempts[2].end;
  EXPECT_NEAR(death, first[2] + 30, 1e-9);
  for (double t : log.connections) {
    if (t > first.back()) {
      EXPECT_GE(t, death + 300);
    }
  }
}

}  // namespace
}  // namespace mxsim::model
