// OpenSMTPD's connection limits and multi-message sessions, and Postfix's
// idle connection cache, through the whole model (model::run_standalone),
// plus the limits' bookkeeping alone and the overrides' range checks.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "model/world.hpp"
#include "mta/connection_limits.hpp"
#include "mta/profile.hpp"
#include "scenario/scenario.hpp"
#include "util/error.hpp"
#include "support/model_run.hpp"

namespace mxsim::model {
namespace {

// Connections as they open and close, and every attempt.
struct Log final : Observer {
  std::vector<double> opened;                     // when each new connection began
  std::vector<double> closed_at;                  // when each closed
  std::map<std::uint32_t, std::uint64_t> closed;  // messages carried -> connections
  std::vector<AttemptEnd> attempts;
  std::map<std::uint32_t, int> open_now;  // by server
  std::map<std::uint32_t, int> peak;      // by server
  int open_total = 0, peak_total = 0;
  std::uint64_t delivered_count = 0;
  void connection(double t, std::uint32_t s) override {
    opened.push_back(t);
    peak[s] = std::max(peak[s], ++open_now[s]);
    peak_total = std::max(peak_total, ++open_total);
  }
  void connection_closed(double t, std::uint32_t s, std::uint32_t messages) override {
    closed_at.push_back(t);
    ++closed[messages];
    --open_now[s];
    --open_total;
  }
  void attempt_ended(const AttemptEnd& a) override { attempts.push_back(a); }
  void delivered(double, std::uint32_t, double) override { ++delivered_count; }
};

Log run(const std::string& yaml, std::uint64_t seed = 1) {
  Log log;
  test::ModelRun(yaml, "limits.yaml", seed).run(log);
  EXPECT_EQ(log.open_total, 0);  // every connection closed by the end
  return log;
}

// One MX address with room for every session (`service` each, 1 s unless
// said: a session of 100 messages lasts longer than the five route delays
// that open five connections); about `messages` messages queued within the
// first second by `mtas` MTAs of `profile`.
std::string backlog(const std::string& profile, int messages, const std::string& overrides = "", int mtas = 1,
                    int sessions = 5000, const std::string& service = "1s") {
  return "duration: 1s\n" + test::kOneMxZone + fmt::format(R"(servers:
  mx.example.com: {{sessions: {}, service: {}}}
senders:
  - {{name: s, mtas: {}, profile: {}, rate: {}/s, rtt: 10ms, to: example.com{}}}
)",
                     sessions, service, mtas, profile, messages, overrides);
}

std::uint64_t carried(const Log& log) {
  std::uint64_t n = 0;
  for (const auto& [messages, count] : log.closed) n += messages * count;
  return n;
}

TEST(OpenSmtpdLimits, ABacklogGetsFiveConnectionsOnItsRoute) {
  const auto log = run(backlog("opensmtpd", 1000));
  ASSERT_GT(log.delivered_count, 900u);
  EXPECT_EQ(log.peak_total, 5);  // limit.c maxconn_per_route
  EXPECT_EQ(carried(log), log.delivered_count);
  EXPECT_EQ(log.attempts.size(), log.delivered_count);  // no failures, one attempt each
}

TEST(OpenSmtpdLimits, TwoSourceAddressesReachTheHostLimitOfTen) {
  EXPECT_EQ(run(backlog("opensmtpd", 1000, ", overrides: {source_addresses: 2}")).peak_total, 10);
  // Three sources could hold 15: the per-host limit keeps it at 10.
  EXPECT_EQ(run(backlog("opensmtpd", 1000, ", overrides: {source_addresses: 3}")).peak_total, 10);
  EXPECT_EQ(run(backlog("opensmtpd", 1000, ", overrides: {source_addresses: 3, max_conn_per_host: 12}")).peak_total,
            12);
}

TEST(OpenSmtpdLimits, ASessionCarriesAHundredMessagesThenANewOneOpens) {
  const auto log = run(backlog("opensmtpd", 1000));
  ASSERT_FALSE(log.closed.empty());
  EXPECT_EQ(log.closed.rbegin()->first, 100u);  // max-mail-per-session
  // 1000 messages over 5 routes' worth of sessions: most carry the full 100.
  EXPECT_GE(log.closed.at(100), 5u);
  EXPECT_GT(log.opened.size(), 5u);  // sessions that reached 100 were replaced
}

TEST(OpenSmtpdLimits, ANewRouteCarriesOneConnectionUntilItsFirstDelivery) {
  // Without the connect delays, the second connection waits only for the
  // route's validation: the first session's 250 (5 round trips of 10 ms
  // plus 1 s of service after the first connect).
  const auto log = run(backlog("opensmtpd", 200, ", overrides: {route_connect_delay: 0, relay_connect_delay: 0}"));
  ASSERT_GE(log.opened.size(), 2u);
  auto opened = log.opened;
  std::sort(opened.begin(), opened.end());
  EXPECT_NEAR(opened[1] - opened[0], 5 * 0.010 + 1, 1e-9);
  EXPECT_EQ(log.peak_total, 5);
}

TEST(OpenSmtpdLimits, ConnectsOnOneRouteAreSpacedByTheRouteDelay) {
  const auto log = run(backlog("opensmtpd", 1000));
  auto opened = log.opened;
  std::sort(opened.begin(), opened.end());
  ASSERT_GE(opened.size(), 5u);
  for (std::size_t i = 1; i < opened.size(); ++i) EXPECT_GE(opened[i] - opened[i - 1], 5 - 1e-9) << i;
  // The first five come at once the delay allows: 0, 5, 10, 15, 20 s after the first.
  for (std::size_t i = 1; i < 5; ++i) EXPECT_NEAR(opened[i] - opened[0], 5.0 * static_cast<double>(i), 1e-9) << i;
}

TEST(OpenSmtpdLimits, AnIdleSessionWaitsTenSecondsThenCloses) {
  const auto log = run(backlog("opensmtpd", 50));
  ASSERT_FALSE(log.attempts.empty());
  double last_end = 0;
  for (const auto& a : log.attempts) last_end = std::max(last_end, a.end);
  const double last_close = *std::max_element(log.closed_at.begin(), log.closed_at.end());
  EXPECT_NEAR(last_close - last_end, 10, 1e-9);  // sessdelay_keepalive
  const auto quick = run(backlog("opensmtpd", 50, ", overrides: {session_keepalive: 3s}"));
  double quick_end = 0;
  for (const auto& a : quick.attempts) quick_end = std::max(quick_end, a.end);
  EXPECT_NEAR(*std::max_element(quick.closed_at.begin(), quick.closed_at.end()) - quick_end, 3, 1e-9);
}

// Postfix over a stream of messages: with one MTA, one address, 10 ms round
// trips and 1 s of service, a message over a cached connection pays 3 round
// trips (1.03 s), a new connection 5 (1.05 s). A connection idles in the
// cache from the end of its last message.
struct Reuse {
  int reused_after_gap = 0;   // started 1 s to the cache time after the last end, on a cached connection
  int reused_too_late = 0;    // on a cached connection, every earlier end more than the cache time ago
  int fresh_after_gap = 0;    // started more than the cache time after every earlier end
};

Reuse postfix_stream(double cache_time) {
  const auto log = run("duration: 2h\n" + test::kOneMxZone + fmt::format(R"(servers:
  mx.example.com: {{sessions: 100, service: 1s}}
senders:
  - {{name: s, mtas: 1, profile: postfix, rate: 0.7/s, rtt: 10ms, to: example.com,
      overrides: {{connection_cache_time: {}s}}}}
)",
                                   cache_time));
  auto attempts = log.attempts;
  std::sort(attempts.begin(), attempts.end(), [](const auto& a, const auto& b) { return a.start < b.start; });
  Reuse r;
  std::vector<double> ends;  // of the attempts started before, kept sorted
  for (const auto& a : attempts) {
    const bool reused = std::abs((a.end - a.start) - 1.03) < 1e-6;
    double last_end = -1e9;  // the latest end at or before this start
    for (const double e : ends)
      if (e <= a.start) last_end = std::max(last_end, e);
    const double gap = a.start - last_end;
    if (reused && gap > 1 && gap <= cache_time) ++r.reused_after_gap;
    if (reused && gap > cache_time) ++r.reused_too_late;
    if (!reused && gap > cache_time) ++r.fresh_after_gap;
    ends.push_back(a.end);
  }
  return r;
}

TEST(PostfixConnectionCache, AMessageWithinTwoSecondsReusesTheIdleConnection) {
  const auto r = postfix_stream(2);
  EXPECT_GT(r.reused_after_gap, 0);  // 1-2 s after the session ended: reused
  EXPECT_EQ(r.reused_too_late, 0);   // more than 2 s after: never
  EXPECT_GT(r.fresh_after_gap, 0);
  // A longer cache time reaches further.
  const auto longer = postfix_stream(3);
  EXPECT_EQ(longer.reused_too_late, 0);
  EXPECT_GT(longer.reused_after_gap, r.reused_after_gap);
}

TEST(PostfixConnectionCache, OffItNeverReusesAfterAGap) {
  const auto r = postfix_stream(0);
  EXPECT_EQ(r.reused_after_gap, 0);
  EXPECT_EQ(r.reused_too_late, 0);
}

// The bookkeeping alone: one MTA (0), relay 7, server 3, two sources.
TEST(ConnectionLimits, RoutesHostsAndDelays) {
  auto p = mta::profile_by_name("opensmtpd");
  p.source_addresses = 2;
  mta::ConnectionLimits limits;
  using V = mta::ConnectionLimits::Verdict;
  auto c = limits.check(p, 0, 7, 3, 1000, 0);
  ASSERT_EQ(c.verdict, V::open);
  limits.opened(0, 7, c.source, 3, 0);
  // The route is new: the other source is the only way until it is validated.
  c = limits.check(p, 0, 7, 3, 1000, 2);
  ASSERT_EQ(c.verdict, V::open);
  EXPECT_NE(c.source, 0u);
  limits.opened(0, 7, c.source, 3, 2);
  // The relay's own delay comes first: 2 s after its last connect.
  c = limits.check(p, 0, 7, 3, 1000, 2.5);
  EXPECT_EQ(c.verdict, V::wait_until);
  EXPECT_DOUBLE_EQ(c.until, 4);
  c = limits.check(p, 0, 7, 3, 1000, 4.5);
  EXPECT_EQ(c.verdict, V::wait_count);  // both routes unvalidated: ask again in DELAY_CHECK_LIMIT
  EXPECT_DOUBLE_EQ(c.until, 4.5 + 5);
  limits.validated(0, 0, 3);
  EXPECT_EQ(limits.check(p, 0, 7, 3, 1000, 4.5).verdict, V::wait_count);  // a route limit wins over a delay
  limits.validated(0, 1, 3);
  c = limits.check(p, 0, 7, 3, 1000, 4.5);
  EXPECT_EQ(c.verdict, V::wait_until);  // 5 s after route 0's last connect
  EXPECT_DOUBLE_EQ(c.until, 5);
  // A disconnect holds the route 3 s: at 7 only route 1 (connected at 2) is ready.
  limits.closed(p, 0, 7, 0, 3, 6);
  c = limits.check(p, 0, 7, 3, 1000, 7);
  EXPECT_EQ(c.verdict, V::open);
  EXPECT_EQ(c.source, 1u);
  // Few tasks: no more connections than needed (mta_connect).
  for (int i = 0; i < 2; ++i) limits.opened(0, 7, 1, 3, 8 + 6 * i);
  EXPECT_EQ(limits.check(p, 0, 7, 3, 6, 100).verdict, V::enough);
  EXPECT_EQ(limits.check(p, 0, 7, 3, 8, 100).verdict, V::open);
}

TEST(ConnectionLimits, MemoryFollowsTheRoutesInUse) {
  const auto p = mta::profile_by_name("opensmtpd");
  mta::ConnectionLimits limits;
  double now = 0;
  for (std::uint32_t server = 0; server < 100000; ++server, now += 1) {
    limits.opened(0, 1, 0, server, now);
    limits.closed(p, 0, 1, 0, server, now + 0.5);
  }
  EXPECT_LT(limits.tracked(), 200u);
}

TEST(ConnectionLimits, OverridesAreRangeChecked) {
  auto p = mta::profile_by_name("opensmtpd");
  EXPECT_THROW(mta::apply_override(p, "max_conn_per_route", -1), std::invalid_argument);
  EXPECT_THROW(mta::apply_override(p, "max_conn_per_host", 2.5), std::invalid_argument);
  EXPECT_THROW(mta::apply_override(p, "max_mail_per_session", 1e6), std::invalid_argument);
  EXPECT_THROW(mta::apply_override(p, "source_addresses", 0), std::invalid_argument);
  EXPECT_THROW(mta::apply_override(p, "session_keepalive", -1), std::invalid_argument);
  EXPECT_THROW(mta::apply_override(p, "connection_cache_time", -0.5), std::invalid_argument);
  EXPECT_THROW(mta::apply_override(p, "route_connect_delay", -1), std::invalid_argument);
  // Not with a destination window or queue runs: a Postfix window filled by
  // mail waiting for a connection never reopened (the run did not end).
  for (const char* profile : {"postfix", "exim", "sendmail"})
    EXPECT_THROW(mta::configured_profile(profile, {{"max_conn_per_route", 3}}), std::invalid_argument) << profile;
  EXPECT_NO_THROW(mta::configured_profile("rfc5321", {{"max_conn_per_route", 3}}));
  EXPECT_THROW(mta::configured_profile("postfix", {{"max_conn_per_route", 3}, {"destination_concurrency", 0}}),
               std::invalid_argument);
  EXPECT_NO_THROW(mta::configured_profile(
      "postfix", {{"max_conn_per_route", 3}, {"destination_concurrency", 0}, {"connection_reuse", 0}}));
  mta::apply_override(p, "max_conn_per_domain", 7);
  EXPECT_EQ(p.max_conn_per_domain, 7);
  // In a scenario: at the value, with its file, line and column.
  const std::string yaml = backlog("opensmtpd", 10, ",\n      overrides: {max_conn_per_route: 2.5}");
  try {
    scenario::load_text(yaml, "limits.yaml");
    ADD_FAILURE() << "no error";
  } catch (const util::InputError& e) {
    EXPECT_EQ(e.where().line, 11) << e.what();
    EXPECT_EQ(e.where().column, 39) << e.what();
    EXPECT_NE(e.message().find("max_conn_per_route must be a whole number"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace mxsim::model
