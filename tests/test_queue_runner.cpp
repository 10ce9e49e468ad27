// Queue runs of Exim and Sendmail through the whole model: deferred mail is
// delivered by runs, one message at a time per run; Exim starts one runner
// per interval up to queue_run_max and passes connections to messages
// waiting for the same host, up to connection_max_messages; a Sendmail run
// caches connection_cache_size connections, idle at most
// connection_cache_timeout; the overrides' ranges.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "model/world.hpp"
#include "mta/profile.hpp"
#include "scenario/scenario.hpp"
#include "util/error.hpp"
#include "support/model_run.hpp"

namespace mxsim::model {
namespace {

struct Log final : Observer {
  double from = 0;                  // count sessions and connections from this time on
  int sessions = 0, peak = 0;       // sessions open at all servers, after `from`
  int open_total = 0, peak_total = 0;  // connections open now and at most, after `from`
  std::map<std::uint32_t, std::uint64_t> connections;  // by server, after `from`
  std::map<std::uint32_t, std::uint64_t> carried;      // messages per connection -> connections, after `from`
  std::vector<AttemptEnd> attempts;                     // accepted ones
  double last_delivery = 0;
  std::uint64_t delivered_count = 0;
  void connection(double t, std::uint32_t s) override {
    if (t < from) return;
    ++connections[s];
    ++open_total;
    peak_total = std::max(peak_total, open_total);
  }
  void connection_closed(double t, std::uint32_t, std::uint32_t messages) override {
    if (t < from || messages == 0) return;
    ++carried[messages];
    --open_total;
  }
  void session_started(double t, std::uint32_t) override {
    if (t < from) return;
    peak = std::max(peak, ++sessions);
  }
  void session_ended(double t, std::uint32_t) override {
    if (t >= from) --sessions;
  }
  void attempt_ended(const AttemptEnd& a) override {
    if (a.outcome == Outcome::accepted) attempts.push_back(a);
  }
  void delivered(double t, std::uint32_t, double) override {
    ++delivered_count;
    last_delivery = std::max(last_delivery, t);
  }
};

Log run(const std::string& yaml, double from) {
  Log log;
  log.from = from;
  test::ModelRun(yaml, "queue-runner.yaml", 7).run(log);
  return log;
}

// `messages` messages arrive in the first 100 s at `mtas` MTAs of one
// profile while the only MX host is down (for the first hour): they are all
// deferred, and delivered by queue runs once it is back. The runs fall on
// 0, 30 min, 1 h, ... (queue_phase 0): the first after the outage at 3600 s.
std::string outage(const std::string& profile, int messages, const std::string& service, int mtas = 1,
                   const std::string& overrides = "") {
  return "duration: 100s\n" + test::kOneMxZone + fmt::format(R"(servers:
  mx.example.com: {{sessions: 1000, service: {}}}
senders:
  - {{name: s, mtas: {}, profile: {}, rate: {}/s, rtt: 100ms, to: example.com,
     overrides: {{queue_phase: 0s{}}}}}
events:
  - {{at: 0s, for: 1h, target: mx.example.com, fault: down}}
)",
                     service, mtas, profile, messages / 100.0, overrides);
}

// The work W of the backlog at one message per `d` per runner, with one more
// runner at each 30 min tick from 3600 s, at most `max`: when it is done.
double fluid_drain(double work, double max) {
  double t = 3600, k = 1;
  while (true) {
    const double next_tick = t + 1800;
    if (work <= k * (next_tick - t)) return t + work / k;
    work -= k * (next_tick - t);
    t = next_tick;
    k = std::min(k + 1, max);
  }
}

// Exim without connection passing: runner after runner joins at each tick
// (daemon.c: one per alarm), at most queue_run_max = 5, each delivering one
// message at a time: never more than 5 sessions at once, and the backlog
// drains as the runners' added work predicts.
TEST(QueueRunner, EximRunnersDeliverOneMessageAtATimeAtMostFive) {
  const auto log = run(outage("exim", 400, "60s", 1, ", connection_reuse: false"), 3600);
  ASSERT_EQ(log.delivered_count, log.attempts.size());
  ASSERT_GT(log.delivered_count, 300u);
  // Every delivery is one fresh connection: 5 round trips + 60 s.
  for (const auto& a : log.attempts) ASSERT_NEAR(a.end - a.start, 60.5, 1e-9);
  EXPECT_EQ(log.peak, 5);
  const double expected = fluid_drain(static_cast<double>(log.delivered_count) * 60.5, 5);
  // Each runner ends within one message of the fluid prediction.
  EXPECT_NEAR(log.last_delivery, expected, 60.5);
}

TEST(QueueRunner, QueueRunMaxLimitsTheRunners) {
  const auto log = run(outage("exim", 400, "60s", 1, ", connection_reuse: false, queue_run_max: 2"), 3600);
  EXPECT_EQ(log.peak, 2);
  const double expected = fluid_drain(static_cast<double>(log.delivered_count) * 60.5, 2);
  EXPECT_NEAR(log.last_delivery, expected, 60.5);
}

// Connection passing: the first delivery after the outage passes its
// connection on down the wait list, 500 messages per connection
// (connection_max_messages), then the runner opens a new one. A message on
// a passed connection pays RSET + MAIL/RCPT/DATA + end of data: 3 round trips.
TEST(QueueRunner, EximPassesItsConnectionUpToConnectionMaxMessages) {
  const auto log = run(outage("exim", 1200, "1s"), 3600);
  const auto n = log.delivered_count;
  ASSERT_GT(n, 1000u);
  ASSERT_NE(n % 500, 0u);
  EXPECT_EQ(log.carried.size(), 2u);
  EXPECT_EQ(log.carried.at(500), n / 500);
  EXPECT_EQ(log.carried.at(n % 500), 1u);
  EXPECT_EQ(log.peak, 1);  // one runner, its chain of deliveries one at a time
  std::map<long, std::uint64_t> durations;  // by ms
  for (const auto& a : log.attempts) ++durations[std::lround((a.end - a.start) * 1000)];
  EXPECT_EQ(durations[1500], n / 500 + 1);
  EXPECT_EQ(durations[1300], n - (n / 500 + 1));
}

TEST(QueueRunner, ConnectionMaxMessagesOverride) {
  const auto log = run(outage("exim", 1000, "1s", 1, ", connection_max_messages: 300"), 3600);
  const auto n = log.delivered_count;
  ASSERT_NE(n % 300, 0u);
  EXPECT_EQ(log.carried.at(300), n / 300);
  EXPECT_EQ(log.carried.at(n % 300), 1u);
}

// A Sendmail run delivers its messages one after another over its cached
// connection: one session at a time, one connection for the whole run.
TEST(QueueRunner, SendmailRunIsSequentialOverItsCachedConnection) {
  const auto log = run(outage("sendmail", 500, "1s"), 3600);
  ASSERT_GT(log.delivered_count, 400u);
  EXPECT_EQ(log.peak, 1);
  EXPECT_EQ(log.connections.size(), 1u);
  EXPECT_EQ(log.connections.begin()->second, 1u);
  EXPECT_EQ(log.carried.at(static_cast<std::uint32_t>(log.delivered_count)), 1u);
}

// A run still going at the next interval does not stop the next one
// (MaxQueueChildren unset): 2000 messages at 1.3 s take 2600 s, so at 5400 s
// a second run starts and works beside the first, skipping what it holds.
TEST(QueueRunner, SendmailStartsARunAtEveryIntervalWhileOneIsGoing) {
  const auto log = run(outage("sendmail", 2000, "1s"), 3600);
  ASSERT_GT(log.delivered_count, 1800u);
  EXPECT_EQ(log.peak, 2);
  EXPECT_LT(log.last_delivery, 3600 + static_cast<double>(log.delivered_count) * 1.3);
}

// Three domains, one MX host each, deferred together; a run's connection
// cache holds at most connection_cache_size (2) idle connections beside the
// one in use: never more than 3 open, and with a third host in the mix some
// connections are evicted and reopened. With room for 3, one per host.
std::string three_hosts(const std::string& overrides, const std::string& service_b = "1s") {
  return fmt::format(R"(duration: 100s
zone: |
  $ORIGIN example.
  $TTL 86400
  a IN MX 10 mx.a
  mx.a IN A 192.0.2.1
  b IN MX 10 mx.b
  mx.b IN A 192.0.2.2
  c IN MX 10 mx.c
  mx.c IN A 192.0.2.3
servers:
  mx.a.example: {{sessions: 100, service: 1s}}
  mx.b.example: {{sessions: 100, service: {}}}
  mx.c.example: {{sessions: 100, service: 1s}}
senders:
  - {{name: s, mtas: 1, profile: sendmail, rate: 3/s, rtt: 100ms, to: {{a.example: 1, b.example: 1, c.example: 1}},
     overrides: {{queue_phase: 0s{}}}}}
events:
  - {{at: 0s, for: 1h, target: mx.a.example, fault: down}}
  - {{at: 0s, for: 1h, target: mx.b.example, fault: down}}
  - {{at: 0s, for: 1h, target: mx.c.example, fault: down}}
)",
                     service_b, overrides);
}

TEST(QueueRunner, SendmailCachesAtMostConnectionCacheSize) {
  const auto two = run(three_hosts(""), 3600);
  ASSERT_GT(two.delivered_count, 250u);
  // Sessions held at the servers: the one in use and the 2 cached.
  EXPECT_EQ(two.peak, 3);
  EXPECT_EQ(two.peak_total, 3);
  std::uint64_t opened = 0;
  for (const auto& [s, n] : two.connections) opened += n;
  EXPECT_GT(opened, 3u);
  const auto three = run(three_hosts(", connection_cache_size: 3"), 3600);
  EXPECT_EQ(three.connections.size(), 3u);
  for (const auto& [s, n] : three.connections) EXPECT_EQ(n, 1u);
  const auto none = run(three_hosts(", connection_cache_size: 0"), 3600);
  std::uint64_t each = 0;
  for (const auto& [s, n] : none.connections) each += n;
  EXPECT_EQ(each, none.delivered_count);
}

// mx.b takes 400 s per message: a connection cached for mx.a or mx.c sits
// idle that long whenever a b message comes between, longer than
// ConnectionCacheTimeout (5 min): it is closed, not reused. With a timeout
// of an hour it is reused: one connection per host. One run at a time
// (queue_run_max 1) and room for 3 in the cache keep the rest apart.
TEST(QueueRunner, SendmailDoesNotReuseAConnectionIdleLongerThanTheTimeout) {
  const auto stock = run(three_hosts(", connection_cache_size: 3, queue_run_max: 1", "400s"), 3600);
  const auto patient =
      run(three_hosts(", connection_cache_size: 3, queue_run_max: 1, connection_cache_timeout: 1h", "400s"), 3600);
  ASSERT_GT(stock.delivered_count, 250u);
  ASSERT_EQ(patient.delivered_count, stock.delivered_count);
  for (const auto& [s, n] : patient.connections) EXPECT_EQ(n, 1u);
  // Stock: a and c get a new connection after every b message (there are
  // about 100 of those).
  EXPECT_GT(stock.connections.at(0), 50u);
  EXPECT_GT(stock.connections.at(2), 50u);
  EXPECT_EQ(stock.connections.at(1), 1u);  // b's own connection is never idle
}

TEST(QueueRunner, OverridesAreRangeChecked) {
  mta::Profile p = mta::profile_by_name("exim");
  EXPECT_THROW(mta::apply_override(p, "queue_run_max", -1), std::invalid_argument);
  EXPECT_THROW(mta::apply_override(p, "queue_run_max", 2.5), std::invalid_argument);
  EXPECT_THROW(mta::apply_override(p, "connection_cache_size", -1), std::invalid_argument);
  EXPECT_THROW(mta::apply_override(p, "connection_cache_timeout", -1), std::invalid_argument);
  mta::apply_override(p, "queue_run_max", 0);
  EXPECT_EQ(p.queue_run_max, 0);
  mta::apply_override(p, "connection_cache_timeout", 60);
  EXPECT_EQ(p.connection_cache_timeout, 60);
  const std::string text = outage("exim", 10, "1s", 1, ", queue_run_max: 1.5");
  try {
    scenario::load_text(text, "q.yaml");
    ADD_FAILURE() << "expected an error";
  } catch (const util::InputError& e) {
    EXPECT_EQ(e.where().line, 11) << e.what();
    EXPECT_NE(std::string(e.what()).find("queue_run_max must be a whole number"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace mxsim::model
