// Validation of OpenSMTPD's connection limits against a computation of its
// own: N MTAs, each with a backlog for one MX address. Each MTA opens its
// five route connections 5 s apart (conndelay_route), and every session
// takes the next waiting message as it finishes one, so connection k of an
// MTA with backlog B works from 5k s until the backlog is gone at T, where
// r * sum_k (T - 5k) = B (r = messages per second on one session), and
// carries r * (T - 5k) messages. The server's session count caps the peak.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <vector>

#include <fmt/format.h>

#include "model/world.hpp"
#include "scenario/scenario.hpp"
#include "support/model_run.hpp"

namespace mxsim::model {
namespace {

struct Log final : Observer {
  std::vector<std::uint32_t> carried;        // messages per closed connection
  std::map<std::uint32_t, int> backlog;      // accepted messages by MTA
  int sessions = 0, peak_sessions = 0;
  std::uint64_t delivered_count = 0;
  void connection_closed(double, std::uint32_t, std::uint32_t messages) override {
    if (messages > 0) carried.push_back(messages);
  }
  void attempt_ended(const AttemptEnd& a) override {
    if (a.outcome == Outcome::accepted) ++backlog[a.mta];
  }
  void session_started(double, std::uint32_t) override { peak_sessions = std::max(peak_sessions, ++sessions); }
  void session_ended(double, std::uint32_t) override { --sessions; }
  void delivered(double, std::uint32_t, double) override { ++delivered_count; }
};

constexpr double kRtt = 0.010;
constexpr double kService = 1.0;

Log run(int mtas, int per_mta, int sessions, std::uint64_t seed) {
  const auto yaml = "duration: 1s\n" + test::kOneMxZone + fmt::format(R"(servers:
  mx.example.com: {{sessions: {}, backlog: 10000, service: {}s}}
senders:
  - {{name: s, mtas: {}, profile: opensmtpd, rate: {}/s, rtt: {}s, to: example.com}}
)",
                                sessions, kService, mtas, mtas * per_mta, kRtt);
  test::ModelRun run(yaml, "validation-limits.yaml", seed);
  Log log;
  run.run(log);
  EXPECT_EQ(log.delivered_count, run.world().submitted());
  return log;
}

TEST(OpenSmtpdLimitsValidation, PeakSessionsAreTheLesserOfServerAndRoutes) {
  for (const int mtas : {4, 8, 16}) {
    for (const int sessions : {10, 30, 100}) {
      const auto log = run(mtas, 200, sessions, 7);
      EXPECT_EQ(log.peak_sessions, std::min(sessions, 5 * mtas)) << mtas << " MTAs, " << sessions << " sessions";
    }
  }
}

TEST(OpenSmtpdLimitsValidation, MessagesPerConnectionFollowTheRouteSchedule) {
  // Backlogs of about 200 per MTA: all five connections open before the
  // backlog is gone and none reaches max-mail-per-session (the first
  // carries B/5 + 10r < 100), so each MTA makes exactly five connections.
  const int mtas = 12;
  const auto log = run(mtas, 200, 1000, 11);
  // A message on a session that has one: MAIL+RCPT+DATA and the end of data.
  const double r = 1 / (2 * kRtt + kService);
  std::vector<double> predicted;
  for (const auto& [mta, backlog] : log.backlog) {
    const double end = (backlog / r + 5 * (0 + 1 + 2 + 3 + 4)) / 5;
    for (int k = 0; k < 5; ++k) predicted.push_back(r * (end - 5 * k));
  }
  ASSERT_EQ(log.backlog.size(), static_cast<std::size_t>(mtas));
  ASSERT_EQ(log.carried.size(), predicted.size());  // five connections per MTA
  // Every message once; the mean is B/5 exactly.
  std::uint64_t total = 0;
  for (const auto n : log.carried) total += n;
  EXPECT_EQ(total, log.delivered_count);
  // Each connection against the fluid schedule: a session is a whole number
  // of messages (±1), its first message pays the connect and greeting
  // (3 more round trips) and arrivals spread over the first second (±1 more).
  auto observed = log.carried;
  std::sort(observed.begin(), observed.end());
  std::sort(predicted.begin(), predicted.end());
  for (std::size_t i = 0; i < observed.size(); ++i)
    EXPECT_NEAR(observed[i], predicted[i], 2.0) << i;
}

}  // namespace
}  // namespace mxsim::model
