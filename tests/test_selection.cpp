// The selection policies: table-driven cases that every policy keeps
// preference levels, the distribution each one promises (chi-square,
// binomial bounds, exact rotation), the feedback of the load-aware ones, the
// balls-into-bins gap of power-of-two, and no allocation per pick.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <map>
#include <new>
#include <set>
#include <string>
#include <vector>

#include "report/fairness.hpp"
#include "scenario/scenario.hpp"
#include "selection/policy.hpp"
#include "selection/steps.hpp"

// Every allocation of this test program is counted, to show that a warmed-up
// policy does not allocate per pick. (GCC cannot see that these new and
// delete belong together once it inlines them.)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
namespace {
std::atomic<long> allocations{0};
}  // namespace

void* operator new(std::size_t size) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace mxsim::selection {
namespace {

using Targets = std::vector<dns::Target>;

// {preference, host, address} rows; hosts and addresses are small ints.
Targets targets(std::initializer_list<std::array<int, 3>> rows) {
  Targets out;
  for (const auto& r : rows)
    out.push_back({static_cast<std::uint16_t>(r[0]), static_cast<dns::NameId>(r[1]), static_cast<dns::AddressId>(r[2])});
  return out;
}

// n single-address hosts at one preference (host = address = i), then a backup at 20.
Targets level_of(int n, bool with_backup = true) {
  Targets out;
  for (int i = 0; i < n; ++i) out.push_back({10, static_cast<dns::NameId>(i), static_cast<dns::AddressId>(i)});
  if (with_backup) out.push_back({20, 999, static_cast<dns::AddressId>(n)});
  return out;
}

PolicyContext context(std::uint32_t servers = 1024, std::uint64_t seed = 1) {
  PolicyContext c;
  c.servers = servers;
  c.seed = seed;
  return c;
}

// Every name make_policy accepts that the tests run: the base policies, plain
// health-aware and health-aware around each load-aware one.
std::vector<std::string> every_policy() {
  auto names = policy_names();
  for (const char* inner : {"least-connections", "power-of-two", "peak-ewma", "round-robin", "weighted"})
    names.push_back(std::string("health-aware:") + inner);
  return names;
}

// ---- every policy keeps the preference levels -------------------------------

struct LevelCase {
  const char* name;
  Targets targets;
  std::uint32_t limit;
  std::vector<int> expected_preferences;
};

const LevelCase kLevelCases[] = {
    {"one host", targets({{10, 1, 1}}), 0, {10}},
    {"failover 10/20", targets({{20, 2, 2}, {10, 1, 1}}), 0, {10, 20}},
    {"equal preference", targets({{10, 1, 1}, {10, 2, 2}, {10, 3, 3}}), 0, {10, 10, 10}},
    {"three levels", targets({{30, 5, 5}, {10, 1, 1}, {20, 3, 3}, {10, 2, 2}, {20, 4, 4}}), 0, {10, 10, 20, 20, 30}},
    {"implicit MX, multihomed", targets({{0, 1, 1}, {0, 1, 2}}), 0, {0, 0}},
    {"multihomed host", targets({{10, 1, 1}, {10, 1, 2}, {20, 2, 3}}), 0, {10, 10, 20}},
    {"limit cuts the worst", targets({{10, 1, 1}, {20, 2, 2}, {30, 3, 3}}), 2, {10, 20}},
    {"multihomed host and a backup", targets({{10, 1, 1}, {10, 1, 2}, {10, 2, 3}, {20, 3, 4}}), 0, {10, 10, 10, 20}},
    {"Google Workspace before 2023", targets({{1, 1, 1}, {5, 2, 2}, {5, 3, 3}, {10, 4, 4}, {10, 5, 5}}), 3, {1, 5, 5}},
};

class EveryPolicy : public ::testing::TestWithParam<std::string> {};

TEST_P(EveryPolicy, KeepsPreferenceLevelsWhateverItLearns) {
  util::Rng feedback(99);
  for (const auto& c : kLevelCases) {
    auto policy = make_policy(GetParam(), context());
    util::Rng rng(7);
    std::vector<std::uint32_t> order;
    double now = 0;
    for (int trial = 0; trial < 300; ++trial, now += 1) {
      policy->order(c.targets, now, rng, c.limit, order);
      std::vector<int> preferences;
      for (auto i : order) preferences.push_back(c.targets[i].preference);
      ASSERT_EQ(preferences, c.expected_preferences) << c.name;
      std::set<std::uint32_t> distinct(order.begin(), order.end());
      ASSERT_EQ(distinct.size(), order.size()) << c.name << ": an index repeats";
      // Random feedback, failures included, so that breakers open and
      // in-flight counts and EWMAs differ between hosts.
      const auto server = c.targets[order.front()].address;
      policy->on_attempt_start(server, now);
      if (feedback.below(4) != 0) {
        const auto result = feedback.below(2) ? Result::success : Result::timeout;
        policy->on_attempt_end(server, now + 0.5, result, 0.1 + feedback.uniform());
      }
    }
  }
}

TEST_P(EveryPolicy, NameRoundTrips) {
  auto policy = make_policy(GetParam(), context());
  const std::string name = GetParam() == "health-aware" ? "health-aware:rfc5321-shuffle" : GetParam();
  EXPECT_EQ(policy->name(), name);
  EXPECT_TRUE(is_policy(GetParam()));
}

INSTANTIATE_TEST_SUITE_P(All, EveryPolicy, ::testing::ValuesIn(every_policy()),
                         [](const ::testing::TestParamInfo<std::string>& param) {
                           std::string name = param.param;
                           for (auto& ch : name)
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           return name;
                         });

TEST(MakePolicy, UnknownNamesAreRefusedWithTheList) {
  for (const char* bad : {"random", "health-aware:health-aware", "health-aware:", "health-awareX", ""}) {
    EXPECT_FALSE(is_policy(bad)) << bad;
    try {
      make_policy(bad, context());
      ADD_FAILURE() << bad << " was accepted";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("rfc5321-shuffle"), std::string::npos) << e.what();
    }
  }
  EXPECT_EQ(policies().size(), 12u);
}

// ---- distributions ----------------------------------------------------------

// Pearson's statistic of `counts` against `expected` shares.
double chi_square(const std::vector<double>& counts, const std::vector<double>& shares) {
  double total = 0;
  for (double c : counts) total += c;
  double statistic = 0;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    const double e = total * shares[i];
    statistic += (counts[i] - e) * (counts[i] - e) / e;
  }
  return statistic;
}

// Which host comes first, and which comes last in the level, among n equal
// hosts must be uniform for the policies that promise it (the load-aware
// ones too while nothing is in flight: every tie is broken at random). The
// threshold is the chi-square quantile at alpha = 1e-4 for n - 1 degrees of
// freedom; each cell expects draws / n = 10000 >> 5. (exim-random breaks a
// tie of its random(500) keys in zone order: a bias of about 1/500 of a
// share, 20 draws in a cell of 10000, far inside the bound.)
TEST(Distribution, UniformWithinALevel) {
  for (const int kHosts : {4, 5}) {
  const int kDraws = 10000 * kHosts;
  const double critical = report::chi_square_quantile(1e-4, kHosts - 1);
  const std::vector<double> equal(kHosts, 1.0 / kHosts);
  const auto t = level_of(kHosts);
  for (const char* name : {"rfc5321-shuffle", "postfix-shuffle", "exim-random", "opensmtpd-least-loaded", "weighted",
                           "least-connections", "power-of-two", "peak-ewma", "health-aware",
                           "health-aware:power-of-two"}) {
    auto policy = make_policy(name, context());
    util::Rng rng(12345);
    std::vector<std::uint32_t> order;
    std::vector<double> first(kHosts, 0), last(kHosts, 0);
    for (int i = 0; i < kDraws; ++i) {
      policy->order(t, 0, rng, 0, order);
      first[order[0]] += 1;
      last[order[kHosts - 1]] += 1;
      ASSERT_EQ(order.back(), static_cast<std::uint32_t>(kHosts)) << name << ": the backup stays last";
    }
    EXPECT_LT(chi_square(first, equal), critical) << name << ", " << kHosts << " hosts";
    EXPECT_LT(chi_square(last, equal), critical) << name << ", " << kHosts << " hosts";
  }
  }
}

TEST(Distribution, OrderedIsNotUniform) {
  auto policy = make_policy("ordered", context());
  util::Rng rng(1);
  std::vector<std::uint32_t> order;
  const auto t = level_of(4);
  std::vector<double> first(4, 0);
  for (int i = 0; i < 4000; ++i) {
    policy->order(t, 0, rng, 0, order);
    ASSERT_EQ(order, (std::vector<std::uint32_t>{0, 1, 2, 3, 4}));
    first[order[0]] += 1;
  }
  EXPECT_EQ(first[0], 4000);
  EXPECT_LT(report::chi_square_p(first), 1e-4);
}

// rfc5321-shuffle with multihomed hosts: the permutation of exchanges is
// uniform (all 3! = 6 orders by chi-square, alpha 1e-4, 5 dof) and each
// host's addresses stay together in resolver order, on the fast path
// (runs in a stack buffer) and when an exchange is named twice in a level.
TEST(Rfc5321Shuffle, HostsUniformAddressesTogether) {
  const Targets cases[] = {
      targets({{10, 1, 1}, {10, 1, 2}, {10, 2, 3}, {10, 3, 4}, {10, 3, 5}, {10, 3, 6}}),
      targets({{10, 1, 1}, {10, 2, 2}, {10, 1, 3}, {10, 3, 4}}),  // host 1 named twice
  };
  for (const auto& t : cases) {
    util::Rng rng(3);
    std::vector<std::uint32_t> order;
    std::map<std::vector<dns::NameId>, double> seen;
    constexpr int kDraws = 30000;
    for (int i = 0; i < kDraws; ++i) {
      order_rfc5321_shuffle(t, rng, 0, order);
      std::vector<dns::NameId> hosts;
      for (std::size_t k = 0; k < order.size(); ++k) {
        const auto& target = t[order[k]];
        if (hosts.empty() || hosts.back() != target.host) {
          ASSERT_EQ(std::count(hosts.begin(), hosts.end(), target.host), 0) << "a host's addresses are split";
          hosts.push_back(target.host);
        } else {
          ASSERT_LT(t[order[k - 1]].address, target.address) << "resolver order lost";
        }
      }
      seen[hosts] += 1;
    }
    ASSERT_EQ(seen.size(), 6u);
    std::vector<double> counts;
    for (const auto& [hosts, n] : seen) counts.push_back(n);
    EXPECT_LT(chi_square(counts, std::vector<double>(6, 1.0 / 6)), report::chi_square_quantile(1e-4, 5));
  }
}

// Beyond the stack buffer (more than 64 exchanges with multihomed ones) the
// in-place path: still grouped, first exchange uniform (alpha 1e-4, 65 dof,
// 200 expected per cell).
TEST(Rfc5321Shuffle, LargeLevelsInPlace) {
  Targets t;
  constexpr int kHosts = 66;
  for (int h = 0; h < kHosts; ++h)
    for (int a = 0; a < 2; ++a)
      t.push_back({10, static_cast<dns::NameId>(h), static_cast<dns::AddressId>(2 * h + a)});
  util::Rng rng(5);
  std::vector<std::uint32_t> order;
  std::vector<double> first(kHosts, 0);
  for (int i = 0; i < 200 * kHosts; ++i) {
    order_rfc5321_shuffle(t, rng, 0, order);
    for (std::size_t k = 0; k < order.size(); k += 2) {
      ASSERT_EQ(t[order[k]].host, t[order[k + 1]].host);
      ASSERT_LT(t[order[k]].address, t[order[k + 1]].address);
    }
    first[t[order[0]].host] += 1;
  }
  EXPECT_LT(chi_square(first, std::vector<double>(kHosts, 1.0 / kHosts)),
            report::chi_square_quantile(1e-4, kHosts - 1));
}

// Round-robin is exact: over k rounds of n picks each address is first
// exactly k times, each pick one step after the previous; two recipient
// domains (two levels) keep separate cursors.
TEST(Distribution, RoundRobinIsExact) {
  auto policy = make_policy("round-robin", context());
  util::Rng rng(1);
  const auto a = level_of(5);
  const auto b = targets({{10, 50, 50}, {10, 51, 51}, {10, 52, 52}});
  std::vector<std::uint32_t> order;
  std::vector<int> first_a(5, 0), first_b(3, 0);
  int previous = -1;
  for (int i = 0; i < 5 * 7; ++i) {
    policy->order(a, 0, rng, 0, order);
    const int first = static_cast<int>(order[0]);
    ++first_a[first];
    if (previous >= 0) {
      EXPECT_EQ(first, (previous + 1) % 5);
    }
    previous = first;
    // The rest of the level follows in rotation, the backup last.
    for (int k = 0; k < 5; ++k) EXPECT_EQ(static_cast<int>(order[k]), (first + k) % 5);
    EXPECT_EQ(order[5], 5u);
    policy->order(b, 0, rng, 0, order);  // interleaved: must not disturb a's rotation
    ++first_b[order[0]];
  }
  EXPECT_EQ(first_a, std::vector<int>(5, 7));
  EXPECT_EQ(first_b[0] + first_b[1] + first_b[2], 35);
  EXPECT_LE(*std::max_element(first_b.begin(), first_b.end()) - *std::min_element(first_b.begin(), first_b.end()),
            1);
}

// RFC 2782 weighting: the first pick of each address is binomial(N, w / sum w).
// Bound: 4.5 standard deviations, a false alarm under 7e-6 per address.
TEST(Distribution, WeightedIsProportional) {
  auto c = context(8);
  c.weights = std::make_shared<const std::vector<double>>(std::vector<double>{1, 2, 3, 4, 100});
  auto policy = make_policy("weighted", c);
  const auto t = level_of(4);  // addresses 0..3 at 10, the backup (weight 100) at 20
  util::Rng rng(2782);
  std::vector<std::uint32_t> order;
  constexpr int kDraws = 100000;
  std::vector<double> first(4, 0);
  for (int i = 0; i < kDraws; ++i) {
    policy->order(t, 0, rng, 0, order);
    first[order[0]] += 1;
    ASSERT_EQ(order.back(), 4u) << "a heavy backup is still a backup";
  }
  for (int i = 0; i < 4; ++i) {
    const double p = (i + 1) / 10.0;
    const double bound = 4.5 * std::sqrt(kDraws * p * (1 - p));
    EXPECT_NEAR(first[i], kDraws * p, bound) << "address " << i;
  }
}

// Sendmail's hash: one MTA always gives the same order; across MTAs (seeds)
// the first exchange is uniform (alpha 1e-4, 3 dof, 5000 per cell).
TEST(Distribution, SendmailHashStablePerMtaUniformAcross) {
  const auto t = level_of(4);
  util::Rng rng(1);
  std::vector<std::uint32_t> order, again;
  std::vector<double> first(4, 0);
  for (std::uint64_t seed = 1; seed <= 20000; ++seed) {
    auto policy = make_policy("sendmail-hash", context(8, seed));
    policy->order(t, 0, rng, 0, order);
    for (int i = 0; i < 3; ++i) {
      policy->order(t, i, rng, 0, again);
      ASSERT_EQ(order, again);
    }
    first[order[0]] += 1;
  }
  EXPECT_LT(chi_square(first, std::vector<double>(4, 0.25)), report::chi_square_quantile(1e-4, 3));
  // A host's addresses keep resolver order.
  auto policy = make_policy("sendmail-hash", context(8, 3));
  const auto multi = targets({{10, 1, 1}, {10, 2, 2}, {10, 1, 3}});
  policy->order(multi, 0, rng, 0, order);
  const auto at = [&](std::uint32_t index) { return std::find(order.begin(), order.end(), index) - order.begin(); };
  EXPECT_EQ(std::abs(at(0) - at(2)), 1);
  EXPECT_LT(at(0), at(2));
}

// Two exchanges of two addresses each: only two orders, each keeping its
// addresses in resolver order, both seen.
TEST(Rfc5321Shuffle, TwoMultihomedHostsTwoOrders) {
  const auto t = targets({{10, 1, 1}, {10, 1, 2}, {10, 2, 3}, {10, 2, 4}});
  auto policy = make_policy("rfc5321-shuffle", context());
  util::Rng rng(3);
  std::vector<std::uint32_t> order;
  std::map<std::vector<std::uint32_t>, int> seen;
  for (int i = 0; i < 400; ++i) {
    policy->order(t, 0, rng, 0, order);
    ++seen[order];
  }
  EXPECT_EQ(seen.size(), 2u);
  EXPECT_TRUE(seen.count({0, 1, 2, 3}));
  EXPECT_TRUE(seen.count({2, 3, 0, 1}));
}

// Exim (host.c): one random(500) per exchange per lookup, whatever its
// number of addresses; a host's IPv6 addresses before its IPv4 ones; the
// better preference first whatever the draws. Host 1 first in about half the
// lookups (2000 draws: 4.5 sigma is 100; a tie of the keys adds 1/500).
TEST(EximRandom, OneDrawPerExchangeIpv6FirstWithinAHost) {
  // Host 1: 192.0.2.1 (address 1), 2001:db8::1 (2); host 2: address 3; at 20 host 3: 2001:db8::3 (4), address 5.
  const auto t = targets({{10, 1, 1}, {10, 1, 2}, {10, 2, 3}, {20, 3, 4}, {20, 3, 5}});
  auto c = context(8);
  c.ipv6 = std::make_shared<const std::vector<std::uint8_t>>(std::vector<std::uint8_t>{0, 0, 1, 0, 1, 0, 0, 0});
  auto policy = make_policy("exim-random", c);
  util::Rng rng(11);
  std::vector<std::uint32_t> order;
  std::map<std::vector<std::uint32_t>, int> seen;
  for (int i = 0; i < 2000; ++i) {
    util::Rng expected = rng;
    for (int exchange = 0; exchange < 3; ++exchange) expected.below(500);
    policy->order(t, 0, rng, 0, order);
    util::Rng after = rng;
    ASSERT_EQ(after.next(), expected.next()) << "one draw per exchange";
    ++seen[order];
  }
  ASSERT_EQ(seen.size(), 2u);
  const std::vector<std::uint32_t> host1_then_2{1, 0, 2, 3, 4}, host2_then_1{2, 1, 0, 3, 4};
  const int host1_first = seen[host1_then_2];
  EXPECT_EQ(host1_first + seen[host2_then_1], 2000);
  EXPECT_NEAR(host1_first, 1000, 100);
  // Without IPv6 flags every address is IPv4: resolver order within a host.
  auto plain = make_policy("exim-random", context(8));
  plain->order(t, 0, rng, 2, order);
  EXPECT_TRUE(order == (std::vector<std::uint32_t>{0, 1}) || order == (std::vector<std::uint32_t>{2, 0})) << order[0];
}

// OpenSMTPD (mta.c): within the best level the exchange with an address that
// has the fewest of this MTA's connections in flight goes first, all its
// addresses with it; the rest keep the resolver's random order; the backup
// level is untouched. The counts come from on_attempt_start/end only.
TEST(OpensmtpdLeastLoaded, LeastLoadedExchangeOfTheBestLevelFirst) {
  // Host 1: addresses 1, 2; host 2: 3; host 3: 4; at 20 hosts 4 and 5: 5, 6.
  const auto t = targets({{10, 1, 1}, {10, 1, 2}, {10, 2, 3}, {10, 3, 4}, {20, 4, 5}, {20, 5, 6}});
  auto policy = make_policy("opensmtpd-least-loaded", context(8));
  util::Rng rng(2);
  std::vector<std::uint32_t> order;
  auto first_entries = [&](std::size_t n) {
    std::set<std::vector<std::uint32_t>> seen, backups;
    for (int i = 0; i < 400; ++i) {
      policy->order(t, 0, rng, 0, order);
      seen.insert(std::vector<std::uint32_t>(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(n)));
      backups.insert(std::vector<std::uint32_t>(order.end() - 2, order.end()));
    }
    EXPECT_EQ(backups.size(), 2u) << "the backup level keeps its random order";
    return seen;
  };
  for (std::uint32_t server : {1u, 2u, 3u}) policy->on_attempt_start(server, 0);
  EXPECT_EQ(first_entries(1), (std::set<std::vector<std::uint32_t>>{{3}}));  // host 3: nothing in flight
  policy->on_attempt_start(4, 0);
  policy->on_attempt_start(4, 0);
  policy->on_attempt_end(3, 1, Result::success, 1);
  EXPECT_EQ(first_entries(1), (std::set<std::vector<std::uint32_t>>{{2}}));  // host 2 is idle now
  policy->on_attempt_start(3, 1);
  policy->on_attempt_end(1, 2, Result::timeout, 2);
  policy->on_attempt_end(2, 2, Result::refused, 2);
  // Host 1 is idle: both its addresses first, in resolver order; then hosts 2 and 3 in either order.
  EXPECT_EQ(first_entries(4),
            (std::set<std::vector<std::uint32_t>>{{0, 1, 2, 3}, {0, 1, 3, 2}}));
}

// ---- feedback ---------------------------------------------------------------

TEST(Feedback, LeastConnectionsPrefersFewestInFlight) {
  auto policy = make_policy("least-connections", context());
  const auto t = level_of(3);
  util::Rng rng(1);
  std::vector<std::uint32_t> order;
  policy->on_attempt_start(0, 0);
  policy->on_attempt_start(0, 0);
  policy->on_attempt_start(1, 0);
  for (int i = 0; i < 50; ++i) {
    policy->order(t, 0, rng, 0, order);
    EXPECT_EQ(order, (std::vector<std::uint32_t>{2, 1, 0, 3}));
  }
  policy->on_attempt_start(2, 0);  // now 2, 1, 1: ties between 1 and 2 broken at random
  std::set<std::uint32_t> firsts;
  for (int i = 0; i < 200; ++i) {
    policy->order(t, 0, rng, 0, order);
    firsts.insert(order[0]);
    EXPECT_EQ(order[2], 0u);
  }
  EXPECT_EQ(firsts, (std::set<std::uint32_t>{1, 2}));
  policy->on_attempt_end(0, 1, Result::success, 1);
  policy->on_attempt_end(0, 1, Result::timeout, 1);  // failures end an attempt too
  policy->order(t, 1, rng, 0, order);
  EXPECT_EQ(order[0], 0u);
}

// Two distinct candidates: with in-flight counts 0, 1, 2, 3 the least loaded
// is first exactly when it is drawn (2/4), the second when it is drawn with
// one of the two busier (2/6), the third with the busiest (1/6), the busiest
// never. Drawn with replacement the busiest would be first 1/16 of the time.
// Binomial bounds at 4.5 standard deviations.
TEST(Feedback, PowerOfTwoDrawsTwoDistinctCandidates) {
  auto policy = make_policy("power-of-two", context());
  const auto t = level_of(4, false);
  for (std::uint32_t s = 0; s < 4; ++s)
    for (std::uint32_t k = 0; k < s; ++k) policy->on_attempt_start(s, 0);
  util::Rng rng(22);
  std::vector<std::uint32_t> order;
  constexpr int kDraws = 60000;
  std::vector<double> first(4, 0);
  for (int i = 0; i < kDraws; ++i) {
    policy->order(t, 0, rng, 0, order);
    first[order[0]] += 1;
  }
  const double expected[] = {1.0 / 2, 1.0 / 3, 1.0 / 6, 0};
  for (int s = 0; s < 4; ++s) {
    const double p = expected[s];
    EXPECT_NEAR(first[s], kDraws * p, 4.5 * std::sqrt(kDraws * p * (1 - p)) + 0.5) << "server " << s;
  }
}

TEST(Feedback, PeakEwmaFollowsLatencyPeaksAndLoad) {
  auto policy = make_policy("peak-ewma", context());
  const auto t = level_of(2, false);  // servers 0 and 1
  util::Rng rng(1);
  std::vector<std::uint32_t> order;
  auto observe = [&](std::uint32_t s, double now, double latency) {
    policy->on_attempt_start(s, now - latency);
    policy->on_attempt_end(s, now, Result::success, latency);
  };
  auto first_at = [&](double now) {
    policy->order(t, now, rng, 0, order);
    return order[0];
  };
  // Never observed, nothing in flight: both rank 0, random.
  std::set<std::uint32_t> firsts;
  for (int i = 0; i < 100; ++i) firsts.insert(first_at(0));
  EXPECT_EQ(firsts.size(), 2u);
  // Server 0 is slow, server 1 fast: 1 first.
  for (int i = 1; i <= 20; ++i) {
    observe(0, i, 2.0);
    observe(1, i, 0.5);
  }
  EXPECT_EQ(first_at(20), 1u);
  // One peak on server 1 lifts its value at once to the peak.
  observe(1, 21, 4.0);
  EXPECT_EQ(first_at(21), 0u);
  // The EWMA then decays towards the usual latency: fast again.
  for (int i = 22; i <= 60; ++i) {
    observe(0, i, 2.0);
    observe(1, i, 0.5);
  }
  EXPECT_EQ(first_at(60), 1u);
  // Load counts: 4 attempts in flight on server 1: about 0.57 x 5 > 2.0 x 1.
  for (int k = 0; k < 4; ++k) policy->on_attempt_start(1, 60);
  EXPECT_EQ(first_at(60), 0u);
  // A server never observed but with attempts in flight goes behind.
  auto fresh = make_policy("peak-ewma", context());
  fresh->on_attempt_start(0, 0);
  fresh->on_attempt_start(1, 0);
  fresh->on_attempt_end(1, 1, Result::success, 30.0);
  fresh->order(t, 1, rng, 0, order);
  EXPECT_EQ(order[0], 1u);
}

// The breaker: three failures in a row push a host to the end of its level
// (never below the backup) for 60 s; then one probe; a failed probe skips it
// for 120 s; a successful one restores it.
TEST(Feedback, HealthAwareSkipsThenProbes) {
  auto policy = make_policy("health-aware", context());
  const auto t = level_of(3);  // 0, 1, 2 at 10; 3 at 20
  util::Rng rng(4);
  std::vector<std::uint32_t> order;
  auto firsts_at = [&](double now) {
    std::set<std::uint32_t> firsts;
    for (int i = 0; i < 200; ++i) {
      policy->order(t, now, rng, 0, order);
      firsts.insert(order[0]);
      EXPECT_EQ(order.back(), 3u);
    }
    return firsts;
  };
  auto fail = [&](std::uint32_t s, double now) {
    policy->on_attempt_start(s, now - 30);
    policy->on_attempt_end(s, now, Result::timeout, 30);
  };
  fail(0, 1);
  fail(0, 2);
  EXPECT_TRUE(firsts_at(2).count(0)) << "two failures: not yet skipped";
  fail(0, 10);
  for (double now : {10.0, 40.0, 69.9}) {
    EXPECT_FALSE(firsts_at(now).count(0)) << now;
    policy->order(t, now, rng, 0, order);
    EXPECT_EQ(order[2], 0u) << "skipped: last of its level, before the backup";
  }
  EXPECT_TRUE(firsts_at(70).count(0)) << "the skip ran out: probe";
  policy->on_attempt_start(0, 70);
  EXPECT_FALSE(firsts_at(75).count(0)) << "one probe at a time";
  policy->on_attempt_end(0, 100, Result::timeout, 30);
  EXPECT_FALSE(firsts_at(219).count(0)) << "failed probe: skipped twice as long";
  EXPECT_TRUE(firsts_at(220).count(0));
  policy->on_attempt_start(0, 220);
  policy->on_attempt_end(0, 221, Result::success, 1);
  EXPECT_TRUE(firsts_at(222).count(0)) << "closed again";
  // A success in between resets the count.
  fail(1, 300);
  fail(1, 301);
  policy->on_attempt_start(1, 302);
  policy->on_attempt_end(1, 303, Result::success, 1);
  fail(1, 304);
  EXPECT_TRUE(firsts_at(305).count(1));
  // So does an answer that refuses the message (greylisting): the host is alive.
  fail(1, 306);
  policy->on_attempt_start(1, 307);
  policy->on_attempt_end(1, 308, Result::answered, 0.2);
  fail(1, 309);
  EXPECT_TRUE(firsts_at(310).count(1));
}

TEST(Feedback, HealthAwareNeverDropsAHost) {
  auto policy = make_policy("health-aware:least-connections", context());
  const auto t = level_of(2);
  for (std::uint32_t s : {0u, 1u, 2u})
    for (int k = 0; k < 3; ++k) {
      policy->on_attempt_start(s, 0);
      policy->on_attempt_end(s, 1, Result::refused, 0.05);
    }
  util::Rng rng(1);
  std::vector<std::uint32_t> order;
  policy->order(t, 2, rng, 0, order);
  EXPECT_EQ(order.size(), 3u);  // every host skipped: all still there, levels kept
  EXPECT_EQ(order.back(), 2u);
}

// ---- balls into bins --------------------------------------------------------

// n balls into n bins, each ball to the first pick of the policy, the bins'
// loads being the policy's in-flight counts (attempts started, never ended).
// Uniform random's maximum load grows as ln n / ln ln n, power-of-two's as
// ln ln n / ln 2 (Azar, Broder, Karlin, Upfal 1999). Statistic: Welch's t of
// the two mean maximum loads over the trials; 10 is far beyond any
// significance level (the observed gap is about 1.5 balls).
double max_load(const std::string& name, int n, util::Rng& rng) {
  auto policy = make_policy(name, context(static_cast<std::uint32_t>(n)));
  const auto t = level_of(n, false);
  std::vector<int> load(n, 0);
  std::vector<std::uint32_t> order;
  order.reserve(t.size());
  for (int ball = 0; ball < n; ++ball) {
    policy->order(t, 0, rng, 0, order);
    ++load[order[0]];
    policy->on_attempt_start(t[order[0]].address, 0);
  }
  return *std::max_element(load.begin(), load.end());
}

TEST(BallsIntoBins, PowerOfTwoMaxLoadClearlyBelowUniform) {
  constexpr int kBins = 256;
  constexpr int kTrials = 100;
  util::Rng rng(2024);
  auto stats = [&](const std::string& name) {
    double sum = 0, squares = 0;
    for (int i = 0; i < kTrials; ++i) {
      const double m = max_load(name, kBins, rng);
      sum += m;
      squares += m * m;
    }
    const double mean = sum / kTrials;
    return std::pair{mean, (squares - kTrials * mean * mean) / (kTrials - 1)};
  };
  const auto [uniform_mean, uniform_var] = stats("rfc5321-shuffle");
  const auto [two_mean, two_var] = stats("power-of-two");
  const double welch_t = (uniform_mean - two_mean) / std::sqrt(uniform_var / kTrials + two_var / kTrials);
  RecordProperty("uniform_mean_max_load", std::to_string(uniform_mean));
  RecordProperty("power_of_two_mean_max_load", std::to_string(two_mean));
  EXPECT_GT(welch_t, 10) << "uniform " << uniform_mean << ", power-of-two " << two_mean;
  // Near the asymptotic figures: ln ln n / ln 2 = 2.5, ln n / ln ln n = 3.2
  // (the uniform one is known to be low for small n: about 4.5 at n = 256).
  EXPECT_LT(two_mean, 4.0);
  EXPECT_GT(uniform_mean, 4.0);
}

// ---- no allocation per pick -------------------------------------------------

TEST(Allocation, NoneOncePoliciesAreWarm) {
  const Targets sets[] = {
      level_of(1, false),
      level_of(5, false),
      targets({{10, 1, 1}, {10, 1, 2}, {10, 2, 3}, {20, 3, 4}, {20, 3, 5}, {30, 4, 6}}),
      [] {
        Targets t;  // 64 records in 4 levels
        for (int i = 0; i < 64; ++i)
          t.push_back({static_cast<std::uint16_t>(10 * (1 + i % 4)), static_cast<dns::NameId>(i),
                       static_cast<dns::AddressId>(i)});
        return t;
      }(),
      [] {
        Targets t;  // 150 two-address hosts in one level: the in-place path
        for (int i = 0; i < 300; ++i)
          t.push_back({10, static_cast<dns::NameId>(i / 2), static_cast<dns::AddressId>(i)});
        return t;
      }(),
  };
  auto c = context(512);
  c.weights = std::make_shared<const std::vector<double>>(512, 2.0);
  for (const auto& name : every_policy()) {
    auto policy = make_policy(name, c);
    util::Rng rng(1);
    std::vector<std::uint32_t> order;
    util::Rng feedback(5);
    auto pick = [&](const Targets& t, double now) {
      policy->order(t, now, rng, 0, order);
      const auto s = t[order[0]].address;
      policy->on_attempt_start(s, now);
      policy->on_attempt_end(s, now + 0.1, feedback.below(3) ? Result::success : Result::timeout, 0.1);
    };
    double now = 0;
    for (int round = 0; round < 20; ++round)
      for (const auto& t : sets) pick(t, now += 1);
    const long before = allocations.load();
    for (int round = 0; round < 500; ++round)
      for (const auto& t : sets) pick(t, now += 1);
    EXPECT_EQ(allocations.load() - before, 0) << name;
  }
}

// ---- the scenario's `weight` --------------------------------------------------

TEST(ScenarioWeight, LoadsWithDefaultOne) {
  const auto s = scenario::load_text(
      "duration: 1h\n"
      "zone: |\n"
      "  $ORIGIN example.com.\n"
      "  @          IN MX 10 mailhost1\n"
      "  @          IN MX 10 mailhost2\n"
      "  mailhost1  IN A    192.0.2.10\n"
      "  mailhost2  IN A    192.0.2.20\n"
      "servers:\n"
      "  mailhost1.example.com: {weight: 3}\n"
      "  mailhost2.example.com: {sessions: 10}\n"
      "senders:\n"
      "  - {name: a, rate: 1/s, to: example.com, selection: weighted}\n",
      "weight.yaml");
  ASSERT_EQ(s.servers.size(), 2u);
  EXPECT_DOUBLE_EQ(s.servers[0].weight, 3);
  EXPECT_DOUBLE_EQ(s.servers[1].weight, 1);
}

}  // namespace
}  // namespace mxsim::selection
