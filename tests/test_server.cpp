// A server's answers without the event loop: postgrey's greylisting rule
// (delay, retry window, max-age, the last-seen renewal), where a `reject`
// 5xx comes and who bounces on it, and the receiving-side presets
// (`software`) at and beyond their session limit and listen backlog.
#include <gtest/gtest.h>

#include <string>

#include "model/server.hpp"
#include "mta/profile.hpp"
#include "scenario/server_software.hpp"

namespace mxsim::model {
namespace {

using scenario::ServerSpec;

constexpr double kDay = 86400;

// postgrey's defaults (its man page, and `postgrey --help`): --delay=300,
// --retry-window=2 (days), --max-age=35 (days).
TEST(Greylist, DefaultsArePostgreys) {
  const ServerSpec::Greylist g;
  EXPECT_EQ(g.delay, 300);
  EXPECT_EQ(g.window, 2 * kDay);
  EXPECT_EQ(g.max_age, 35 * kDay);
}

Server server_with(const ServerSpec& spec) {
  Server server;
  server.spec = spec;
  return server;
}

Server greylisting_server(ServerSpec::Greylist::Key key) {
  ServerSpec spec;
  spec.greylist = ServerSpec::Greylist{.key = key};
  return server_with(spec);
}

struct Attempt {
  double at;
  bool greylisted;
  const char* why;
};

// One (MTA, domain) triplet's attempts in time order against postgrey's
// defaults, each with the answer smtpd_access_policy gives it.
void expect_answers(ServerSpec::Greylist::Key key, std::initializer_list<Attempt> attempts) {
  auto server = greylisting_server(key);
  const auto profile = mta::profile_by_name("postfix");
  for (const auto& a : attempts) {
    const auto answer = server.answer({.profile = &profile, .rtt = 0.1, .message = 1, .mta = 3, .domain = 7}, a.at);
    const bool greylisted = answer.kind == Answer::Kind::fail && answer.outcome == Outcome::greylisted;
    EXPECT_EQ(greylisted, a.greylisted) << "at " << a.at << " s: " << a.why;
  }
}

TEST(Greylist, APassedTripletStaysPassedWhileItKeepsComing) {
  expect_answers(ServerSpec::Greylist::Key::mta_domain,
                 {
                     {0, true, "first seen"},
                     {299, true, "299 s after the first: delay 300 not over"},
                     {300, false, "300 s after the first: passes"},
                     {1 * kDay, false, "passed"},
                     // The retry window counts only until the triplet passes:
                     // with traffic every day it never expires.
                     {3 * kDay, false, "passed, last seen 2 days ago"},
                     {20 * kDay, false, "passed, last seen 17 days ago"},
                     {54 * kDay, false, "last seen 34 days ago: within max-age 35"},
                     // 35 days and a second without traffic: forgotten, new.
                     {89 * kDay + 1, true, "last seen more than 35 days ago: new"},
                     {89 * kDay + 301, false, "passes again after the delay"},
                 });
}

TEST(Greylist, TheRetryWindowCountsFromTheFirstAttemptUntilItPasses) {
  expect_answers(ServerSpec::Greylist::Key::mta_domain,
                 {
                     {0, true, "first seen"},
                     {100, true, "early retry (renews last seen, not first)"},
                     {2 * kDay + 1, true, "first retry after the 2-day window: starts over"},
                     {2 * kDay + 200, true, "199 s after the new first"},
                     {2 * kDay + 301, false, "300 s after the new first"},
                 });
}

TEST(Greylist, EachMessageIsItsOwnTriplet) {
  auto server = greylisting_server(ServerSpec::Greylist::Key::message);
  const auto profile = mta::profile_by_name("postfix");
  auto attempt = [&](std::uint64_t message, double at) {
    return server.answer({.profile = &profile, .rtt = 0.1, .message = message, .mta = 3, .domain = 7}, at).outcome ==
           Outcome::greylisted;
  };
  EXPECT_TRUE(attempt(1, 0));
  EXPECT_TRUE(attempt(2, 400));   // another message of the same MTA: new
  EXPECT_FALSE(attempt(1, 400));  // the first one's retry passes
  EXPECT_FALSE(attempt(2, 700));
}

// A reject fault at the greeting or at RCPT: what it costs and who bounces.
TEST(Reject, WhereItComesDecidesCostSessionAndBounce) {
  const auto postfix = mta::profile_by_name("postfix");
  const auto exim = mta::profile_by_name("exim");
  ServerSpec spec;
  spec.reject_fraction = 1;
  spec.reject_code = 554;

  spec.reject_at = ServerSpec::RejectAt::rcpt;
  auto at_rcpt = server_with(spec);
  const auto rcpt = at_rcpt.answer({.profile = &postfix, .rtt = 0.1}, 10);
  EXPECT_EQ(rcpt.outcome, Outcome::rejected);
  EXPECT_NEAR(rcpt.at, 10 + 4 * 0.1, 1e-9);  // past EHLO: round_trips - 1
  EXPECT_TRUE(rcpt.used_session);
  // A 5xx to MAIL, RCPT or DATA is permanent for every profile.
  for (const auto& name : mta::profile_names())
    EXPECT_TRUE(rejection_bounces(spec, mta::profile_by_name(name))) << name;

  spec.reject_at = ServerSpec::RejectAt::greeting;
  auto at_greeting = server_with(spec);
  const auto greeting = at_greeting.answer({.profile = &postfix, .rtt = 0.1}, 10);
  EXPECT_EQ(greeting.outcome, Outcome::rejected);
  EXPECT_NEAR(greeting.at, 10 + 2 * 0.1, 1e-9);  // SYN and the 554 banner
  // smtp_connect.c: a 5xx greeting is not counted towards smtp_mx_session_limit.
  EXPECT_FALSE(greeting.used_session);
  // smtp_skip_5xx_greeting = yes: Postfix moves on; Exim fails the addresses.
  EXPECT_FALSE(rejection_bounces(spec, postfix));
  EXPECT_TRUE(rejection_bounces(spec, exim));
  EXPECT_FALSE(rejection_bounces(spec, mta::profile_by_name("sendmail")));
  EXPECT_FALSE(rejection_bounces(spec, mta::profile_by_name("opensmtpd")));
}

TEST(Reject, AGreetingRejectIsNotSeenByGreylisting) {
  ServerSpec spec;
  spec.reject_fraction = 1;
  spec.reject_at = ServerSpec::RejectAt::greeting;
  spec.greylist = ServerSpec::Greylist{};
  auto server = server_with(spec);
  const auto postfix = mta::profile_by_name("postfix");
  EXPECT_EQ(server.answer({.profile = &postfix, .rtt = 0.1, .mta = 1, .domain = 2}, 0).outcome, Outcome::rejected);
  EXPECT_TRUE(server.greylist.empty());
}

struct Preset {
  const char* name;
  int sessions;
  int backlog;
  Outcome beyond;      // what the next connection meets once both are full
  double beyond_cost;  // its time, in round trips or (-1) the connect timeout
};

// Each preset at its limits, the numbers from the sources in server_software.cpp.
TEST(Software, PresetsAtAndBeyondTheirLimits) {
  const Preset presets[] = {
      {"postfix", 100, 100, Outcome::timeout, -1},  // master's listen backlog, then Linux drops the SYN
      {"postfix-postscreen", 100, 100, Outcome::busy_tempfail, 2},  // 421 4.3.2 All server ports are busy
      {"exim", 20, 0, Outcome::busy_tempfail, 2},   // smtp_accept_max = 20, then 421 from the daemon
      {"opensmtpd", 500, 5, Outcome::refused, 1},   // SMTPD_BACKLOG 5, then OpenBSD resets
  };
  const auto profile = mta::profile_by_name("postfix");
  const double rtt = 0.05;
  for (const auto& p : presets) {
    const auto* software = scenario::server_software(p.name);
    ASSERT_NE(software, nullptr) << p.name;
    ServerSpec spec;
    scenario::apply_software(spec, *software);
    EXPECT_EQ(spec.sessions, p.sessions) << p.name;
    EXPECT_EQ(spec.backlog, p.backlog) << p.name;
    auto server = server_with(spec);
    for (int i = 0; i < p.sessions; ++i) {
      ASSERT_EQ(server.answer({.profile = &profile, .rtt = rtt}, 0).kind, Answer::Kind::session) << p.name;
      server.open_session(static_cast<std::uint32_t>(i));
    }
    for (int i = 0; i < p.backlog; ++i) {
      ASSERT_EQ(server.answer({.profile = &profile, .rtt = rtt}, 0).kind, Answer::Kind::backlog) << p.name;
      server.wait_in_backlog(static_cast<std::uint32_t>(i), 0, 300);
    }
    const auto beyond = server.answer({.profile = &profile, .rtt = rtt}, 0);
    EXPECT_EQ(beyond.kind, Answer::Kind::fail) << p.name;
    EXPECT_EQ(beyond.outcome, p.beyond) << p.name;
    EXPECT_NEAR(beyond.at, p.beyond_cost < 0 ? profile.connect_timeout : p.beyond_cost * rtt, 1e-9) << p.name;
  }
}

TEST(Software, SendmailHasNoSessionLimitAndResetsBeyondAConfiguredOne) {
  ServerSpec spec;
  scenario::apply_software(spec, *scenario::server_software("sendmail"));
  EXPECT_EQ(spec.sessions, 1'000'000);  // MaxDaemonChildren unset: no limit
  spec.sessions = 1;                    // as with confMAX_DAEMON_CHILDREN 1
  auto server = server_with(spec);
  const auto profile = mta::profile_by_name("exim");
  server.open_session(0);
  const auto beyond = server.answer({.profile = &profile, .rtt = 0.05}, 0);
  EXPECT_EQ(beyond.outcome, Outcome::refused);  // the daemon closed its listening socket
  EXPECT_NEAR(beyond.at, 0.05, 1e-9);
}

TEST(Software, EveryNameHasAPreset) {
  for (const auto& name : scenario::server_software_names()) EXPECT_NE(scenario::server_software(name), nullptr);
  EXPECT_EQ(scenario::server_software("qmail"), nullptr);
}

}  // namespace
}  // namespace mxsim::model
