// Postfix's concurrency window (mta/concurrency.hpp) step by step against
// numbers worked out from qmgr_queue.c with the defaults of mail_params.h
// (initial 5, limit 20, feedback "1" both ways, failed cohort limit 1) and
// with the "1/concurrency" feedback that SCHEDULER_README also measures.
#include <gtest/gtest.h>

#include "mta/concurrency.hpp"

namespace mxsim::mta {
namespace {

Profile postfix() { return profile_by_name("postfix"); }

Profile per_concurrency() {
  auto p = postfix();
  p.positive_feedback_per_concurrency = true;
  p.negative_feedback_per_concurrency = true;
  return p;
}

// Successes with the window full (busy = window), as under a backlog.
int after_successes(const Profile& p, int k) {
  ConcurrencyWindow w(p);
  for (int i = 0; i < k; ++i) w.success(p, static_cast<std::uint32_t>(w.window()));
  return w.window();
}

// Consecutive failures from a fresh window of `start`; -1 once dead.
int after_failures(Profile p, int start, int k) {
  p.initial_destination_concurrency = start;
  ConcurrencyWindow w(p);
  for (int i = 0; i < k; ++i) w.failure(p);
  return w.dead() ? -1 : w.window();
}

int failures_to_die(Profile p, int start) {
  p.initial_destination_concurrency = start;
  ConcurrencyWindow w(p);
  int k = 0;
  while (!w.dead() && k < 1000) {
    w.failure(p);
    ++k;
  }
  return k;
}

TEST(Concurrency, DefaultsFromMailParams) {
  const auto p = postfix();
  EXPECT_EQ(p.initial_destination_concurrency, 5);  // DEF_INIT_DEST_CON
  EXPECT_EQ(p.destination_concurrency, 20);         // DEF_DEST_CON_LIMIT
  EXPECT_EQ(p.positive_feedback, 1);                // DEF_CONC_POS_FDBACK "1"
  EXPECT_EQ(p.negative_feedback, 1);                // DEF_CONC_NEG_FDBACK "1"
  EXPECT_FALSE(p.positive_feedback_per_concurrency);
  EXPECT_EQ(p.failed_cohort_limit, 1);              // DEF_CONC_COHORT_LIM
  EXPECT_EQ(ConcurrencyWindow(p).window(), 5);
}

// Feedback 1: one step up per success ("exponential growth in time"),
// capped at the limit of 20.
TEST(Concurrency, WindowAfterKSuccessesWithFeedbackOne) {
  const auto p = postfix();
  const std::pair<int, int> table[] = {{0, 5}, {1, 6}, {2, 7}, {10, 15}, {15, 20}, {16, 20}, {100, 20}};
  for (const auto& [k, window] : table) EXPECT_EQ(after_successes(p, k), window) << k << " successes";
}

// Feedback 1/N: one step up per N successes at window N ("linear growth"):
// 5 successes to 6, 5 + 6 to 7, and 5 + 6 + ... + 19 = 180 to reach 20.
TEST(Concurrency, WindowAfterKSuccessesWithFeedbackPerConcurrency) {
  const auto p = per_concurrency();
  const std::pair<int, int> table[] = {{4, 5}, {5, 6}, {10, 6}, {11, 7}, {179, 19}, {180, 20}, {500, 20}};
  for (const auto& [k, window] : table) EXPECT_EQ(after_successes(p, k), window) << k << " successes";
}

// The window grows only while it stays within the initial concurrency of
// the deliveries in progress.
TEST(Concurrency, GrowsOnlyNearTheDeliveriesInProgress) {
  const auto p = postfix();
  ConcurrencyWindow w(p);
  for (int i = 0; i < 10; ++i) w.success(p, 1);  // one delivery at a time
  EXPECT_EQ(w.window(), 6);                      // 1 + 5
}

// Feedback 1, hysteresis reversed for negative feedback: the first failure
// takes the window down twice (the failure budget starts at 0 and the
// margin is half a step), each further one once; the pseudo-cohort count
// adds 1/window per failure and the destination dies when it reaches 1.
// From 5: 0.2 + 1/3 + 1/2 = 1.03 at the 3rd failure. From 20:
// 1/20 + 1/18 + 1/17 + ... + 1/8 = 0.952 after 12, + 1/7 = 1.095 at the 13th.
TEST(Concurrency, WindowAfterKFailuresWithFeedbackOne) {
  const auto p = postfix();
  EXPECT_EQ(after_failures(p, 5, 1), 3);
  EXPECT_EQ(after_failures(p, 5, 2), 2);
  EXPECT_EQ(after_failures(p, 5, 3), -1);
  EXPECT_EQ(after_failures(p, 20, 1), 18);
  EXPECT_EQ(after_failures(p, 20, 2), 17);
  EXPECT_EQ(after_failures(p, 20, 12), 7);
  EXPECT_EQ(after_failures(p, 20, 13), -1);
  EXPECT_EQ(failures_to_die(p, 5), 3);
  EXPECT_EQ(failures_to_die(p, 20), 13);
}

// Feedback 1/N: one step down per failure at first (the budget refills to
// 1 - 1/N), then one per about N failures; the cohort count then needs
// about one window's worth: 5 failures from 5 (0.2 + 4 x 0.25 = 1.2), 20
// from 20 (1/20 + 18 x 1/19 = 0.997, + 1/19 at the 20th).
TEST(Concurrency, WindowAfterKFailuresWithFeedbackPerConcurrency) {
  const auto p = per_concurrency();
  EXPECT_EQ(after_failures(p, 5, 1), 4);
  EXPECT_EQ(after_failures(p, 5, 4), 3);
  EXPECT_EQ(failures_to_die(p, 5), 5);
  EXPECT_EQ(after_failures(p, 20, 1), 19);
  EXPECT_EQ(failures_to_die(p, 20), 20);
}

TEST(Concurrency, ASuccessResetsTheFailedCohorts) {
  const auto p = postfix();
  ConcurrencyWindow w(p);
  w.failure(p);
  w.failure(p);
  EXPECT_NEAR(w.fail_cohorts(), 0.2 + 1.0 / 3, 1e-12);
  w.success(p, 2);
  EXPECT_EQ(w.fail_cohorts(), 0);
  EXPECT_EQ(w.window(), 3);
  EXPECT_FALSE(w.failure(p));  // the third failure, but not three in a row: 1/3 of a cohort
  EXPECT_NEAR(w.fail_cohorts(), 1.0 / 3, 1e-12);
  EXPECT_EQ(w.window(), 1);
  EXPECT_TRUE(w.failure(p));  // at window 1 a failure is a whole cohort
}

// A dead destination admits nothing; the timer or a success in flight
// revives it at the deliveries still in progress, else the initial window.
TEST(Concurrency, DeadThenRevived) {
  const auto p = postfix();
  ConcurrencyWindow w(p);
  for (int i = 0; i < 2; ++i) EXPECT_FALSE(w.failure(p));
  EXPECT_TRUE(w.failure(p));
  EXPECT_TRUE(w.dead());
  EXPECT_FALSE(w.admits(0));
  EXPECT_FALSE(w.failure(p));  // no negative feedback while dead
  w.revive(p, 0);
  EXPECT_FALSE(w.dead());
  EXPECT_EQ(w.window(), 5);
  for (int i = 0; i < 3; ++i) w.failure(p);
  w.success(p, 3);  // a delivery still in flight succeeds
  EXPECT_FALSE(w.dead());
  EXPECT_EQ(w.window(), 3);
}

// Postfix's way to a fixed window: zero feedback and no cohort limit; and
// a profile without a scheduler (initial 0) keeps its fixed window.
TEST(Concurrency, FixedWindows) {
  auto p = postfix();
  p.initial_destination_concurrency = 20;
  p.positive_feedback = p.negative_feedback = 0;
  p.failed_cohort_limit = 0;
  ConcurrencyWindow w(p);
  for (int i = 0; i < 100; ++i) w.failure(p);
  EXPECT_FALSE(w.dead());
  EXPECT_EQ(w.window(), 20);
  const auto exim = profile_by_name("exim");
  ConcurrencyWindow unlimited(exim);
  for (int i = 0; i < 100; ++i) unlimited.failure(exim);
  EXPECT_TRUE(unlimited.admits(1000000));
}

}  // namespace
}  // namespace mxsim::mta
