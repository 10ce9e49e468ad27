// The MTA profiles: retry schedules and give-up times (table-driven), the
// defaults, overrides, and the policy each profile orders MX sets with. (The
// orderings themselves are selection policies: tests/test_selection.cpp.)
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "mta/profile.hpp"
#include "selection/policy.hpp"

namespace mxsim::mta {
namespace {

struct RetryCase {
  const char* profile;
  double submitted;
  double first_failure;
  int failures;
  double last_gap;
  double failed_at;
  double expected_next;
};

TEST(Retry, ScheduleTable) {
  const RetryCase cases[] = {
      // rfc5321: a fixed 30 minutes (RFC 5321 §4.5.4.1).
      {"rfc5321", 0, 300, 1, 0, 300, 2100},
      {"rfc5321", 100, 300, 4, 0, 7300, 9100},
      // postfix: now + clamp(age, 300, 4000), rounded up to the 300 s scan.
      {"postfix", 0, 0, 1, 0, 0, 300},
      {"postfix", 0, 30, 1, 0, 30, 600},      // 30 + 300 = 330 -> scan at 600
      {"postfix", 0, 300, 2, 0, 300, 600},    // age 300
      {"postfix", 0, 300, 3, 0, 600, 1200},   // age 600
      {"postfix", 0, 300, 4, 0, 1200, 2400},
      {"postfix", 0, 300, 5, 0, 2400, 4800},
      {"postfix", 0, 300, 6, 0, 4800, 9000},  // clamped to 4000: 8800 -> 9000
      {"postfix", 0, 300, 7, 0, 9000, 13200}, // 13000 -> 13200
      // exim: the next -q30m queue run (its host retry records decide whether that run tries a host).
      {"exim", 0, 0, 1, 0, 0, 1800},
      {"exim", 0, 0, 2, 900, 1800, 3600},
      {"exim", 0, 0, 5, 900, 7300, 9000},
      // sendmail: the next -q30m queue run.
      {"sendmail", 0, 100, 1, 0, 100, 1800},
      {"sendmail", 0, 100, 2, 0, 1800, 3600},
      // opensmtpd: creation + 400 s * n^2 (scheduler_ramqueue.c, BACKOFF_TRANSFER 400).
      {"opensmtpd", 0, 10, 1, 0, 10, 400},
      {"opensmtpd", 0, 10, 2, 0, 500, 1600},
      {"opensmtpd", 0, 10, 3, 0, 1700, 3600},
      {"opensmtpd", 0, 10, 4, 0, 3700, 6400},
      // An attempt that ran past its step: scheduler_next() moves to the first
      // step strictly after now (while (t <= currtime) step++), not at once.
      {"opensmtpd", 0, 10, 1, 0, 1000, 1600},   // step 1 (400) passed: step 2
      {"opensmtpd", 0, 10, 1, 0, 400, 1600},    // exactly on step 1: not after it
      {"opensmtpd", 0, 10, 2, 0, 5000, 6400},   // steps 2, 3 (1600, 3600) passed: step 4
      {"opensmtpd", 100, 10, 3, 0, 3650, 3700}, // creation 100: step 3 at 3700 is still ahead
  };
  for (const auto& c : cases) {
    const auto p = profile_by_name(c.profile);
    RetryState state{c.submitted, c.first_failure, c.failures, c.last_gap};
    EXPECT_DOUBLE_EQ(next_retry(p, state, c.failed_at), c.expected_next)
        << c.profile << " failed at " << c.failed_at;
  }
}

TEST(Retry, GiveUpTimes) {
  // Postfix counts 5 d from submission, Exim 4 d from the first failure.
  const auto postfix = profile_by_name("postfix");
  EXPECT_FALSE(expired(postfix, RetryState{0, 86400, 3, 0}, 5 * 86400 - 1));
  EXPECT_TRUE(expired(postfix, RetryState{0, 86400, 3, 0}, 5 * 86400));
  const auto exim = profile_by_name("exim");
  EXPECT_FALSE(expired(exim, RetryState{0, 86400, 3, 0}, 5 * 86400 - 1));
  EXPECT_TRUE(expired(exim, RetryState{0, 86400, 3, 0}, 5 * 86400));
  EXPECT_TRUE(expired(profile_by_name("opensmtpd"), RetryState{0, 10, 3, 0}, 4 * 86400));
}

TEST(Profile, DefaultsFromTheReference) {
  const auto postfix = profile_by_name("postfix");
  EXPECT_EQ(postfix.connect_timeout, 30);
  EXPECT_EQ(postfix.address_limit, 5);
  EXPECT_EQ(postfix.max_lifetime, 5 * 86400);
  const auto rfc = profile_by_name("rfc5321");
  EXPECT_EQ(rfc.retry_interval, 1800);
  EXPECT_EQ(rfc.address_limit, 0);
}

TEST(Profile, OverridesAndErrors) {
  auto p = profile_by_name("postfix");
  apply_override(p, "connect_timeout", 10);
  EXPECT_EQ(p.connect_timeout, 10);
  apply_override(p, "address_limit", 2);
  EXPECT_EQ(p.address_limit, 2);
  EXPECT_THROW(apply_override(p, "no_such_thing", 1), std::invalid_argument);
  EXPECT_THROW(apply_override(p, "address_limit", 1.5), std::invalid_argument);
  EXPECT_THROW(profile_by_name("qmail"), std::invalid_argument);
}

// Each profile orders MX sets with the policy of its MTA, by name, and every
// name is one the selection registry makes.
TEST(Profile, NamesItsSelectionPolicy) {
  const std::pair<const char*, const char*> expected[] = {{"rfc5321", "rfc5321-shuffle"},
                                                          {"postfix", "postfix-shuffle"},
                                                          {"exim", "exim-random"},
                                                          {"sendmail", "sendmail-hash"},
                                                          {"opensmtpd", "opensmtpd-least-loaded"}};
  for (const auto& [profile, policy] : expected) EXPECT_EQ(profile_by_name(profile).selection, policy) << profile;
  std::set<std::string> names;
  for (const auto& name : profile_names()) {
    const auto p = profile_by_name(name);
    EXPECT_EQ(p.name, name);
    EXPECT_TRUE(selection::is_policy(p.selection)) << name << ": " << p.selection;
    names.insert(name);
  }
  EXPECT_EQ(names.size(), std::size(expected));
}

}  // namespace
}  // namespace mxsim::mta
