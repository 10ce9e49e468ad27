// Per-MTA timer phases: the grid functions (exact on the grid, whatever the
// rounding of the quotient), the phase draw, and the retry schedule on an
// MTA's own grid, unchanged for phase 0.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "mta/phase.hpp"
#include "mta/profile.hpp"
#include "report/fairness.hpp"
#include "util/random.hpp"

namespace mxsim::mta {
namespace {

struct GridCase {
  double t, phase, period;
  double at_or_after, after;
};

TEST(Grid, Table) {
  const GridCase cases[] = {
      {0, 0, 300, 0, 300},            // t = 0 is a tick of a phase-0 grid
      {1, 0, 300, 300, 300},
      {300, 0, 300, 300, 600},        // on a tick: stays there / the next one
      {301, 0, 300, 600, 600},
      {0, 600, 1800, 600, 600},       // before the first tick at the phase
      {13200, 600, 1800, 13200, 15000},
      {-5, 100, 300, 100, 100},       // the grid extends both ways
      {99.5, 100, 300, 100, 100},
      {100, 100, 300, 100, 400},
      {5, 0, 0, 5, 5},                // no period: no grid
  };
  for (const auto& c : cases) {
    EXPECT_EQ(tick_at_or_after(c.t, c.phase, c.period), c.at_or_after) << c.t << " " << c.phase << " " << c.period;
    EXPECT_EQ(tick_after(c.t, c.phase, c.period), c.after) << c.t << " " << c.phase << " " << c.period;
  }
}

// Ticks of a grid whose period is not a binary fraction: the quotient
// (t - phase) / period lands just above k for a fifth of them, where
// ceil() alone moves the time a whole period on.
TEST(Grid, TimesOnTheGridStayOnIt) {
  for (double phase : {0.0, 0.05}) {
    int naive_wrong = 0;
    for (int k = 0; k < 2000; ++k) {
      const double t = phase + k * 0.1;
      EXPECT_EQ(tick_at_or_after(t, phase, 0.1), t) << "k=" << k;
      EXPECT_EQ(tick_after(t, phase, 0.1), phase + (k + 1) * 0.1) << "k=" << k;
      if (phase + std::ceil((t - phase) / 0.1) * 0.1 != t) ++naive_wrong;
    }
    EXPECT_GT(naive_wrong, 100) << "the case must exercise the rounding";
  }
}

// Phase 0 is the grid of the existing schedule: ceil(t / P) * P and the
// next run (floor(t / P) + 1) * P, on times as the model produces them.
TEST(Grid, PhaseZeroIsTheOldFormula) {
  util::Rng rng(7);
  for (int i = 0; i < 100000; ++i) {
    const double t = rng.uniform() * 1e6;
    for (double period : {300.0, 1800.0}) {
      EXPECT_EQ(tick_at_or_after(t, 0, period), std::ceil(t / period) * period);
      EXPECT_EQ(tick_after(t, 0, period), (std::floor(t / period) + 1) * period);
    }
  }
}

TEST(Phase, DrawIsUniformOverOnePeriodAndTakesOneDraw) {
  util::Rng rng(42);
  constexpr int kBins = 10;
  constexpr int kDraws = 20000;
  std::vector<int> counts(kBins, 0);
  for (int i = 0; i < kDraws; ++i) {
    const double p = draw_phase(300, rng);
    ASSERT_GE(p, 0);
    ASSERT_LT(p, 300);
    ++counts[static_cast<int>(p / 30)];
  }
  // Chi-square with 9 degrees of freedom, against its 0.999 quantile.
  const double expected = static_cast<double>(kDraws) / kBins;
  double chi2 = 0;
  for (int c : counts) chi2 += (c - expected) * (c - expected) / expected;
  EXPECT_LT(chi2, report::chi_square_quantile(0.001, 9));

  // One draw whatever the period, so a profile without a timer leaves the
  // stream where one with a timer leaves it.
  util::Rng a(5), b(5);
  EXPECT_EQ(draw_phase(0, a), 0);
  b.next();
  EXPECT_EQ(a.next(), b.next());
}

TEST(Phase, NormalizedIntoOnePeriod) {
  EXPECT_EQ(normalize_phase(50, 300), 50);
  EXPECT_EQ(normalize_phase(650, 300), 50);
  EXPECT_EQ(normalize_phase(-100, 300), 200);
  EXPECT_EQ(normalize_phase(300, 300), 0);
  EXPECT_EQ(normalize_phase(12, 0), 0);
}

struct PhaseRetryCase {
  const char* profile;
  double submitted, failed_at, phase;
  double expected_next;
};

TEST(Retry, OnTheMtasOwnGrid) {
  const PhaseRetryCase cases[] = {
      // postfix: now + clamp(age, 300, 4000), up to the next scan at phase + k*300.
      {"postfix", 0, 0, 120, 420},       // 300 -> the scan at 420
      {"postfix", 0, 300, 120, 720},     // age 300: 600 -> 720
      {"postfix", 0, 1200, 120, 2520},   // age 1200: 2400 -> 2520
      {"postfix", 0, 9000, 299, 13199},  // clamped to 4000: 13000 -> 13199
      {"postfix", 0, 300, 0, 600},       // phase 0: the old grid
      // exim: the next run strictly after now, at phase + k*1800 (the host records gate the tries).
      {"exim", 0, 0, 900, 900},
      {"exim", 0, 900, 900, 2700},       // the run at 900 is the one that failed
      {"exim", 0, 0, 0, 1800},
      // sendmail: the next run strictly after now.
      {"sendmail", 0, 100, 600, 600},
      {"sendmail", 0, 600, 600, 2400},   // the run at 600 is the one that failed
      {"sendmail", 0, 100, 0, 1800},
      // no grid: the phase changes nothing.
      {"rfc5321", 0, 300, 77, 2100},
      {"opensmtpd", 0, 10, 77, 400},
  };
  for (const auto& c : cases) {
    const auto p = profile_by_name(c.profile);
    RetryState state{c.submitted, 0, 1, 0};
    EXPECT_EQ(next_retry(p, state, c.failed_at, c.phase), c.expected_next)
        << c.profile << " failed at " << c.failed_at << " phase " << c.phase;
  }
}

// The three-argument call is phase 0, the same numbers (and the same
// last_gap) as before phases existed.
TEST(Retry, PhaseZeroKeepsTheOldSchedule) {
  util::Rng rng(11);
  for (const char* name : {"postfix", "exim", "sendmail", "opensmtpd", "rfc5321"}) {
    const auto p = profile_by_name(name);
    for (int i = 0; i < 2000; ++i) {
      const double submitted = rng.uniform() * 1e5;
      const double now = submitted + rng.uniform() * 1e5;
      RetryState a{submitted, submitted, 1 + static_cast<int>(rng.below(8)), rng.uniform() * 1e4};
      RetryState b = a;
      EXPECT_EQ(next_retry(p, a, now), next_retry(p, b, now, 0)) << name;
      EXPECT_EQ(a.last_gap, b.last_gap);
    }
  }
}

TEST(Retry, TimerPeriodPerProfile) {
  EXPECT_EQ(timer_period(profile_by_name("postfix")), 300);
  EXPECT_EQ(timer_period(profile_by_name("exim")), 1800);
  EXPECT_EQ(timer_period(profile_by_name("sendmail")), 1800);
  EXPECT_EQ(timer_period(profile_by_name("opensmtpd")), 0);
  EXPECT_EQ(timer_period(profile_by_name("rfc5321")), 0);
}

}  // namespace
}  // namespace mxsim::mta
