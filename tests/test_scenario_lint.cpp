// Unit tests of the scenario checks of `mxsim validate` (no-mx,
// level-capacity, backup-capacity, relay-loop): each fires on a scenario made for it, with
// the numbers it reports, and stays silent on its near miss.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <variant>
#include <vector>

#include "lint/scenario_lint.hpp"
#include "scenario/scenario.hpp"

namespace mxsim::lint {
namespace {

std::vector<dns::Finding> lint_text(const std::string& text) {
  const auto s = scenario::load_text(text, "t.yaml");
  return lint_scenario(s, scenario::build_zone(s));
}

std::vector<std::string> checks_of(const std::vector<dns::Finding>& found) {
  std::vector<std::string> out;
  for (const auto& f : found) out.push_back(f.check);
  return out;
}

double number_fact(const dns::Finding& f, const std::string& key) {
  for (const auto& [name, value] : f.facts)
    if (name == key) return std::get<double>(value);
  ADD_FAILURE() << "no fact " << key;
  return 0;
}

// Primary 10 and backup 20 in two networks; {backup} and {senders} filled in.
std::string two_levels(const std::string& backup, const std::string& senders) {
  return "duration: 10m\n"
         "zone: |\n"
         "  $ORIGIN example.com.\n"
         "  @ IN MX 10 mx1\n"
         "  @ IN MX 20 mx2\n"
         "  mx1 IN A 192.0.2.1\n"
         "  mx2 IN A 198.51.100.2\n"
         "servers:\n"
         "  mx2.example.com: " + backup + "\n"
         "senders:\n" + senders;
}

TEST(ScenarioLint, BackupCapacityCountsDialogueAndService) {
  // rfc5321: 7 round trips of 100 ms + 300 ms service = 1 s per session;
  // 5 sessions serve 5 messages/s, the domain gets 6/s.
  const auto found = lint_text(two_levels("{sessions: 5, service: 300ms}",
                                          "  - {name: s, rate: 6/s, rtt: 100ms, to: example.com}\n"));
  ASSERT_EQ(checks_of(found), std::vector<std::string>{"backup-capacity"});
  EXPECT_NEAR(number_fact(found[0], "capacity_per_s"), 5.0, 1e-9);
  EXPECT_NEAR(number_fact(found[0], "load_per_s"), 6.0, 1e-9);
  EXPECT_EQ(found[0].where.line, 9);  // the server's entry
  EXPECT_NE(found[0].message.find("RFC 5321 §4.5.4.1"), std::string::npos);
}

// Findings of `severity` or worse.
std::size_t at_least(const std::vector<dns::Finding>& found, const std::string& severity) {
  const auto rank = [](const std::string& s) { return s == "notice" ? 1 : s == "warning" ? 2 : 3; };
  return static_cast<std::size_t>(
      std::count_if(found.begin(), found.end(), [&](const auto& f) { return rank(f.severity) >= rank(severity); }));
}

TEST(ScenarioLint, BackupThatHoldsIsNoWarning) {
  // 4 Erlangs on 5 sessions: it holds; Erlang B still refuses B(5, 4) = 19.9%.
  const auto found = lint_text(two_levels("{sessions: 5, service: 300ms}",
                                          "  - {name: s, rate: 4/s, rtt: 100ms, to: example.com}\n"));
  EXPECT_EQ(at_least(found, "warning"), 0u);
  ASSERT_EQ(checks_of(found), std::vector<std::string>{"backup-capacity"});
  EXPECT_EQ(found[0].severity, "notice");
  // 1 message/s: 1 Erlang on 5 sessions, B(5, 1) = 0.3%: silent.
  EXPECT_TRUE(lint_text(two_levels("{sessions: 5, service: 300ms}",
                                   "  - {name: s, rate: 1/s, rtt: 100ms, to: example.com}\n"))
                  .empty());
}

TEST(ScenarioLint, BackupCapacityCountsTheCoresOfAServerWithWork) {
  // 2 cores of 1 Gflop/s, 0.5 Gflop a message: at most 4 messages/s however
  // many sessions (1000, each 7 x 100 ms + 0.5 s); the domain gets 6/s.
  const auto found = lint_text(two_levels("{sessions: 1000, cpu: {cores: 2, speed: 1Gf}, work: 5e8}",
                                          "  - {name: s, rate: 6/s, rtt: 100ms, to: example.com}\n"));
  ASSERT_EQ(checks_of(found), std::vector<std::string>{"backup-capacity"});
  EXPECT_NEAR(number_fact(found[0], "capacity_per_s"), 4.0, 1e-9);
  // With 4 cores it holds 8/s.
  EXPECT_EQ(at_least(lint_text(two_levels("{sessions: 1000, cpu: {cores: 4, speed: 1Gf}, work: 5e8}",
                                          "  - {name: s, rate: 6/s, rtt: 100ms, to: example.com}\n")),
                     "warning"),
            0u);
}

TEST(ScenarioLint, BackupCapacityUsesEachGroupsProfileRttAndShare) {
  // postfix: 5 x 40 ms + 300 ms = 0.5 s at 3/s; rfc5321 with rtt 200 ms to
  // mx2: 7 x 200 ms + 300 ms = 1.7 s at 0.5/s (the other half of its mail
  // goes to other.example.com). Mean session (3 x 0.5 + 0.5 x 1.7) / 3.5 s;
  // 2 sessions serve 2.98/s < 3.5/s.
  const auto found = lint_text(
      "duration: 10m\nzone: |\n  $ORIGIN example.com.\n  @ IN MX 10 mx1\n  @ IN MX 20 mx2\n"
      "  mx1 IN A 192.0.2.1\n  mx2 IN A 198.51.100.2\n  other IN MX 10 mx1\n"
      "servers:\n  mx2.example.com: {sessions: 2, service: 300ms}\n"
      "senders:\n"
      "  - {name: a, profile: postfix, rate: 3/s, rtt: 40ms, to: example.com}\n"
      "  - {name: b, rate: 1/s, rtt: {default: 10ms, mx2.example.com: 200ms},\n"
      "     to: {example.com: 1, other.example.com: 1}}\n");
  ASSERT_EQ(checks_of(found), std::vector<std::string>{"backup-capacity"});
  EXPECT_NEAR(number_fact(found[0], "capacity_per_s"), 2 / ((3 * 0.5 + 0.5 * 1.7) / 3.5), 1e-9);
  EXPECT_NEAR(number_fact(found[0], "load_per_s"), 3.5, 1e-9);
}

TEST(ScenarioLint, OverloadedPrimaryWarnsWithItsOfferedLoad) {
  // 100 sessions of 150 s + 7 x 50 ms serve 0.665 messages/s; 5/s are offered.
  const auto s = scenario::load_file(std::string(MXSIM_TEST_DATA) + "/lint/level-capacity.yaml");
  const auto found = lint_scenario(s, scenario::build_zone(s));
  ASSERT_EQ(checks_of(found), std::vector<std::string>{"level-capacity"});
  EXPECT_EQ(found[0].severity, "warning");
  EXPECT_NEAR(number_fact(found[0], "load_per_s"), 5.0, 1e-9);
  EXPECT_NEAR(number_fact(found[0], "capacity_per_s"), 100 / 150.35, 1e-9);
  EXPECT_NEAR(number_fact(found[0], "offered_erlangs"), 5 * 150.35, 1e-9);
  EXPECT_NE(found[0].message.find("offered 5 messages/s in normal operation"), std::string::npos) << found[0].message;
  EXPECT_EQ(found[0].where.line, 14);
}

TEST(ScenarioLint, ErlangBBlockingUnderCapacityIsANotice) {
  // One host of 5 sessions of 1 s (7 x 100 ms + 300 ms) offered 3/s: 3
  // Erlangs on 5 sessions, under capacity, but Erlang B refuses
  // B(5, 3) = 0.110054 of the connections (the published table value).
  const auto found = lint_text(
      "duration: 10m\nzone: |\n  $ORIGIN example.com.\n  @ IN MX 10 mx1\n  mx1 IN A 192.0.2.1\n"
      "servers:\n  mx1.example.com: {sessions: 5, service: 300ms}\n"
      "senders:\n  - {name: s, rate: 3/s, rtt: 100ms, to: example.com}\n");
  ASSERT_EQ(checks_of(found), std::vector<std::string>{"level-capacity"});
  EXPECT_EQ(found[0].severity, "notice");
  EXPECT_NEAR(number_fact(found[0], "blocking"), 0.110054, 1e-6);
}

TEST(ScenarioLint, ThirdLevelIsCheckedWithBothBetterLevelsDown) {
  const auto found = lint_text(
      "duration: 10m\nzone: |\n  $ORIGIN example.com.\n  @ IN MX 10 mx1\n  @ IN MX 20 mx2\n  @ IN MX 30 mx3\n"
      "  mx1 IN A 192.0.2.1\n  mx2 IN A 198.51.100.2\n  mx3 IN A 203.0.113.3\n"
      "servers:\n  mx3.example.com: {sessions: 1, service: 1s}\n"
      "senders:\n  - {name: s, rate: 10/s, to: example.com}\n");
  ASSERT_EQ(checks_of(found), std::vector<std::string>{"backup-capacity"});
  EXPECT_NE(found[0].message.find("when the preference-10 and 20 hosts are down"), std::string::npos)
      << found[0].message;
  const auto levels_down = std::find_if(found[0].facts.begin(), found[0].facts.end(),
                                       [](const auto& fact) { return fact.first == "levels_down"; });
  ASSERT_NE(levels_down, found[0].facts.end());
  EXPECT_EQ(std::get<long long>(levels_down->second), 2);
}

TEST(ScenarioLint, EqualPreferenceSetsHaveNoBackupLevel) {
  const auto found = lint_text(
      "duration: 10m\nzone: |\n  $ORIGIN example.com.\n  @ IN MX 10 mx1\n  @ IN MX 10 mx2\n"
      "  mx1 IN A 192.0.2.1\n  mx2 IN A 198.51.100.2\n"
      "servers:\n  mx2.example.com: {sessions: 1}\n"
      "senders:\n  - {name: s, rate: 100/s, to: example.com}\n");
  // No backup level; the one-session host is overloaded at its own level.
  const auto checks = checks_of(found);
  EXPECT_EQ(std::count(checks.begin(), checks.end(), "backup-capacity"), 0);
  EXPECT_NE(std::find(checks.begin(), checks.end(), "level-capacity"), checks.end());
}

TEST(ScenarioLint, RelayAtTheBestLevelLoops) {
  const auto found = lint_text(
      "duration: 10m\nzone: |\n  $ORIGIN example.com.\n  @ IN MX 10 relay\n  @ IN MX 20 mx2\n"
      "  relay IN A 192.0.2.1\n  mx2 IN A 198.51.100.2\n"
      "servers:\n  relay.example.com: {role: relay, relay: {profile: postfix}}\n"
      "senders:\n  - {name: s, rate: 1/s, to: example.com}\n");
  ASSERT_EQ(checks_of(found), std::vector<std::string>{"relay-loop"});
  EXPECT_EQ(found[0].severity, "error");
  EXPECT_EQ(found[0].where.line, 9);
}

TEST(ScenarioLint, RelayBelowABetterHostIsFine) {
  const auto found = lint_text(
      "duration: 10m\nzone: |\n  $ORIGIN example.com.\n  @ IN MX 10 mx1\n  @ IN MX 20 relay\n"
      "  mx1 IN A 192.0.2.1\n  relay IN A 198.51.100.2\n"
      "servers:\n  relay.example.com: {role: relay, relay: {profile: postfix}}\n"
      "senders:\n  - {name: s, rate: 1/s, to: example.com}\n");
  EXPECT_TRUE(found.empty());
}

TEST(ScenarioLint, RelayKeyedByAddressSharedWithTheBestHostLoops) {
  // The relay's address is also the primary's: it finds itself at 10.
  const auto found = lint_text(
      "duration: 10m\nzone: |\n  $ORIGIN example.com.\n  @ IN MX 10 mx1\n  @ IN MX 20 backup\n"
      "  mx1 IN A 192.0.2.1\n  backup IN A 192.0.2.1\n"
      "servers:\n  192.0.2.1: {role: relay, relay: {profile: rfc5321}}\n"
      "senders:\n  - {name: s, rate: 1/s, to: example.com}\n");
  const auto checks = checks_of(found);
  EXPECT_NE(std::find(checks.begin(), checks.end(), "relay-loop"), checks.end());
  EXPECT_NE(std::find(checks.begin(), checks.end(), "mx-shared-address"), checks.end());
}

TEST(ScenarioLint, ZoneUpdateThatMakesTheRelayBestLoops) {
  const auto found = lint_text(
      "duration: 10m\nzone: |\n  $ORIGIN example.com.\n  @ IN MX 10 mx1\n  @ IN MX 20 relay\n"
      "  mx1 IN A 192.0.2.1\n  relay IN A 198.51.100.2\n"
      "servers:\n  relay.example.com: {role: relay, relay: {profile: postfix}}\n"
      "senders:\n  - {name: s, rate: 1/s, to: example.com}\n"
      "events:\n  - {at: 5m, zone: \"@ IN MX 20 relay\"}\n");
  EXPECT_EQ(checks_of(found), std::vector<std::string>{"relay-loop"});
}

TEST(ScenarioLint, ImplicitMxIsAWarningAndNoTargetAnError) {
  auto found = lint_text(
      "duration: 10m\nzone: |\n  $ORIGIN example.net.\n  @ IN A 192.0.2.7\n"
      "senders:\n  - {name: s, rate: 1/s, to: example.net}\n");
  ASSERT_EQ(checks_of(found), std::vector<std::string>{"no-mx"});
  EXPECT_EQ(found[0].severity, "warning");
  EXPECT_EQ(found[0].where.line, 6);  // the sender group that writes to it
  found = lint_text(
      "duration: 10m\nzone: |\n  $ORIGIN example.net.\n  @ IN TXT \"x\"\n  www IN A 192.0.2.7\n"
      "senders:\n  - {name: s, rate: 1/s, to: example.net}\n");
  ASSERT_EQ(checks_of(found), std::vector<std::string>{"no-mx"});
  EXPECT_EQ(found[0].severity, "error");
}

TEST(ScenarioLint, NullMxIsNoMissingMx) {
  const auto found = lint_text(
      "duration: 10m\nzone: |\n  $ORIGIN example.org.\n  @ IN MX 0 .\n  @ IN A 192.0.2.80\n"
      "senders:\n  - {name: s, rate: 1/s, to: example.org}\n");
  EXPECT_TRUE(found.empty());
}

TEST(ScenarioLint, EveryCheckIsListed) {
  std::vector<std::string> names;
  for (const auto& c : checks()) names.push_back(c.name);
  for (const char* name : {"mx-cname", "mx-no-address", "mx-target-address", "null-mx-with-others",
                           "null-mx-preference", "duplicate-mx", "mx-shared-address", "mx-same-subnet", "no-mx",
                           "level-capacity", "backup-capacity", "relay-loop"})
    EXPECT_NE(std::find(names.begin(), names.end(), name), names.end()) << name;
}

}  // namespace
}  // namespace mxsim::lint
