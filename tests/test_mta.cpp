// MX ordering and retry schedules: table-driven cases and a chi-square test
// of the equal-preference shuffle.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "mta/ordering.hpp"
#include "mta/profile.hpp"
#include "report/fairness.hpp"

namespace mxsim::mta {
namespace {

// Targets from "pref:host:address" triples; hosts and addresses are small ints.
std::vector<dns::Target> targets(std::initializer_list<std::array<int, 3>> rows) {
  std::vector<dns::Target> out;
  for (const auto& r : rows)
    out.push_back({static_cast<std::uint16_t>(r[0]), static_cast<dns::NameId>(r[1]), static_cast<dns::AddressId>(r[2])});
  return out;
}

std::vector<int> preferences_in_order(const std::vector<dns::Target>& t, const std::vector<std::uint32_t>& order) {
  std::vector<int> out;
  for (auto i : order) out.push_back(t[i].preference);
  return out;
}

struct OrderCase {
  const char* name;
  std::vector<dns::Target> targets;
  std::uint32_t limit;
  std::vector<int> expected_preferences;
};

class Ordering_ : public ::testing::TestWithParam<std::tuple<OrderCase, Ordering>> {};

TEST_P(Ordering_, PreferenceRespectedAndLimitApplied) {
  const auto& [c, ordering] = GetParam();
  util::Rng rng(7);
  std::vector<std::uint32_t> order;
  for (int trial = 0; trial < 200; ++trial) {
    order_targets(c.targets, ordering, rng, c.limit, order);
    EXPECT_EQ(preferences_in_order(c.targets, order), c.expected_preferences) << c.name;
    std::vector<std::uint32_t> sorted = order;
    std::sort(sorted.begin(), sorted.end());
    EXPECT_TRUE(std::adjacent_find(sorted.begin(), sorted.end()) == sorted.end()) << "an index repeats";
  }
}

const OrderCase kOrderCases[] = {
    {"one host", targets({{10, 1, 1}}), 0, {10}},
    {"failover 10/20", targets({{20, 2, 2}, {10, 1, 1}}), 0, {10, 20}},
    {"equal preference", targets({{10, 1, 1}, {10, 2, 2}, {10, 3, 3}}), 0, {10, 10, 10}},
    {"three levels", targets({{30, 5, 5}, {10, 1, 1}, {20, 3, 3}, {10, 2, 2}, {20, 4, 4}}), 0, {10, 10, 20, 20, 30}},
    {"implicit MX", targets({{0, 1, 1}, {0, 1, 2}}), 0, {0, 0}},
    {"limit cuts the worst", targets({{10, 1, 1}, {20, 2, 2}, {30, 3, 3}}), 2, {10, 20}},
    {"multihomed host", targets({{10, 1, 1}, {10, 1, 2}, {20, 2, 3}}), 0, {10, 10, 20}},
};

INSTANTIATE_TEST_SUITE_P(All, Ordering_,
                         ::testing::Combine(::testing::ValuesIn(kOrderCases),
                                            ::testing::Values(Ordering::shuffle_hosts, Ordering::shuffle_addresses,
                                                              Ordering::ordered)));

TEST(Ordering, OrderedKeepsZoneOrderWithinALevel) {
  const auto t = targets({{10, 1, 1}, {10, 2, 2}, {10, 3, 3}});
  util::Rng rng(1);
  std::vector<std::uint32_t> order;
  order_targets(t, Ordering::ordered, rng, 0, order);
  EXPECT_EQ(order, (std::vector<std::uint32_t>{0, 1, 2}));
}

TEST(Ordering, ShuffleHostsKeepsAHostsAddressesTogetherInResolverOrder) {
  const auto t = targets({{10, 1, 1}, {10, 1, 2}, {10, 2, 3}, {10, 2, 4}});
  util::Rng rng(3);
  std::vector<std::uint32_t> order;
  std::map<std::vector<std::uint32_t>, int> seen;
  for (int i = 0; i < 400; ++i) {
    order_targets(t, Ordering::shuffle_hosts, rng, 0, order);
    ++seen[order];
  }
  // Only two orders are allowed: host 1 first or host 2 first, each keeping A-then-B.
  EXPECT_EQ(seen.size(), 2u);
  EXPECT_TRUE(seen.count({0, 1, 2, 3}));
  EXPECT_TRUE(seen.count({2, 3, 0, 1}));
}

// Which host comes first among n equal-preference hosts must be uniform.
// The threshold is the chi-square quantile for n-1 degrees of freedom at
// alpha = 1e-4; with N draws each cell expects N/n >= 5 for the test to hold.
void expect_uniform_first(Ordering ordering, int hosts, int draws) {
  ASSERT_GE(draws / hosts, 5);
  std::vector<dns::Target> t;
  for (int h = 0; h < hosts; ++h) t.push_back({10, static_cast<dns::NameId>(h), static_cast<dns::AddressId>(h)});
  t.push_back({20, 99, 99});
  util::Rng rng(12345);
  std::vector<std::uint32_t> order;
  std::vector<double> first(hosts, 0), last(hosts, 0);
  for (int i = 0; i < draws; ++i) {
    order_targets(t, ordering, rng, 0, order);
    first[order.front()] += 1;
    last[order[hosts - 1]] += 1;
    ASSERT_EQ(order.back(), static_cast<std::uint32_t>(hosts));  // the backup stays last
  }
  const double expected = static_cast<double>(draws) / hosts;
  const double critical = report::chi_square_quantile(1e-4, hosts - 1);
  for (const auto* counts : {&first, &last}) {
    double statistic = 0;
    for (double c : *counts) statistic += (c - expected) * (c - expected) / expected;
    EXPECT_LT(statistic, critical) << "hosts=" << hosts;
  }
}

TEST(Ordering, EqualPreferencesUniformRfc5321) { expect_uniform_first(Ordering::shuffle_hosts, 4, 40000); }
TEST(Ordering, EqualPreferencesUniformPostfix) { expect_uniform_first(Ordering::shuffle_addresses, 4, 40000); }
TEST(Ordering, EqualPreferencesUniformFiveHosts) { expect_uniform_first(Ordering::shuffle_hosts, 5, 50000); }

TEST(Ordering, OrderedIsNotUniform) {
  // The same test must fail for the ordering that never shuffles.
  std::vector<dns::Target> t;
  for (int h = 0; h < 4; ++h) t.push_back({10, static_cast<dns::NameId>(h), static_cast<dns::AddressId>(h)});
  util::Rng rng(1);
  std::vector<std::uint32_t> order;
  std::vector<double> first(4, 0);
  for (int i = 0; i < 4000; ++i) {
    order_targets(t, Ordering::ordered, rng, 0, order);
    first[order.front()] += 1;
  }
  EXPECT_LT(report::chi_square_p(first), 1e-4);
}

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
      // exim: F,2h,15m then G,16h,1h,1.5 then F,4d,6h, rounded up to -q30m runs.
      {"exim", 0, 0, 1, 0, 0, 1800},               // 15 min -> the 30 min run
      {"exim", 0, 0, 2, 900, 1800, 3600},          // 2700 -> 3600
      {"exim", 0, 0, 5, 900, 7200, 10800},         // 2 h: G starts at 1 h
      {"exim", 0, 0, 6, 3600, 10800, 16200},       // 1.5 h
      {"exim", 0, 0, 7, 5400, 16200, 25200},       // 2.25 h = 8100 -> 24300 -> 25200
      {"exim", 0, 0, 12, 30000, 16 * 3600, 16 * 3600 + 6 * 3600},  // F,4d,6h
      // sendmail: the next -q30m queue run.
      {"sendmail", 0, 100, 1, 0, 100, 1800},
      {"sendmail", 0, 100, 2, 0, 1800, 3600},
      // opensmtpd: creation + 400 s * n^2.
      {"opensmtpd", 0, 10, 1, 0, 10, 400},
      {"opensmtpd", 0, 10, 2, 0, 500, 1600},
      {"opensmtpd", 0, 10, 3, 0, 1700, 3600},
      {"opensmtpd", 0, 10, 4, 0, 3700, 6400},
      {"opensmtpd", 0, 10, 1, 0, 1000, 1000},  // already past: at once
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

}  // namespace
}  // namespace mxsim::mta
