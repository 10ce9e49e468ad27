// The tables of `mxsim compare`: Student t quantiles, confidence intervals,
// what is read from summary.json, and the CSV and markdown layouts.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "compare/compare.hpp"

namespace mxsim::compare {
namespace {

TEST(StudentT, QuantilesOfBoostMath) {
  // Reference quantiles t(0.975; dof) of published tables, to their 3 decimals.
  EXPECT_NEAR(t_975(1), 12.706, 5e-4);
  EXPECT_NEAR(t_975(9), 2.262, 5e-4);
  EXPECT_NEAR(t_975(30), 2.042, 5e-4);
  EXPECT_NEAR(t_975(120), 1.980, 5e-4);
  EXPECT_NEAR(t_975(1000000), 1.960, 5e-4);
  EXPECT_GT(t_975(35), t_975(45));
  EXPECT_TRUE(std::isnan(t_975(0)));
}

TEST(Interval, MeanAndHalfWidth) {
  const std::vector<double> v{1, 2, 3, 4, 5};
  const auto i = mean_interval(v);
  EXPECT_DOUBLE_EQ(i.mean, 3);
  EXPECT_DOUBLE_EQ(i.sd, std::sqrt(2.5));
  EXPECT_NEAR(i.half_width, t_975(4) * std::sqrt(2.5) / std::sqrt(5.0), 1e-12);
  EXPECT_EQ(i.n, 5u);
  const std::vector<double> one{7};
  EXPECT_TRUE(std::isnan(mean_interval(one).half_width));
  EXPECT_EQ(mean_interval(std::vector<double>{}).n, 0u);
}

nlohmann::json summary(double delivery_p99) {
  return nlohmann::json::parse(R"({
    "scenario": "s", "seed": 1, "complete": true,
    "messages": {"submitted": 100, "delivered": 98, "bounced": 0, "pending": 2},
    "latency_s": {"first_hop": {"count": 98, "mean": 1, "p50": 0.5, "p90": 1, "p99": 2, "p999": 3, "max": 4},
                  "delivery": {"count": 98, "mean": 1.5, "p50": 0.6, "p90": 1, "p99": 2.5, "p999": 3, "max": 4}},
    "attempts": {"connections": 120, "accepted": 98, "timeouts": 10, "refused": 0, "tempfail": 5,
                 "per_message_mean": 1.2},
    "servers": [
      {"host": "mx1.example.com", "address": "192.0.2.1", "preference": 10, "utilization": 0.5},
      {"host": "mx2.example.com", "address": "192.0.2.2", "preference": 10, "utilization": 0.75},
      {"host": "mx3.example.com", "address": "192.0.2.3", "preference": 20, "utilization": 0.9}],
    "groups": [
      {"domain": "example.com", "preference": 20, "hosts": ["mx3.example.com"], "jain_index": 1,
       "max_over_mean": 1},
      {"domain": "example.com", "preference": 10, "hosts": ["mx1.example.com", "mx2.example.com"],
       "jain_index": 0.9, "max_over_mean": 1.3}]})")
      .patch(nlohmann::json::parse(
          R"([{"op": "replace", "path": "/latency_s/delivery/p99", "value": )" + std::to_string(delivery_p99) + "}]"));
}

TEST(Metrics, ReadFromTheSummary) {
  const auto m = metrics_of(summary(2.5));
  EXPECT_EQ(m.submitted, 100u);
  EXPECT_EQ(m.pending, 2u);
  EXPECT_DOUBLE_EQ(m.first_hop_p99, 2);
  EXPECT_DOUBLE_EQ(m.delivery_p99, 2.5);
  EXPECT_DOUBLE_EQ(m.timeouts_per_message, 0.1);
  EXPECT_DOUBLE_EQ(m.tempfail_per_message, 0.05);
  EXPECT_DOUBLE_EQ(m.connections_per_message, 1.2);
  // The best level (10), whatever the order of the groups.
  EXPECT_DOUBLE_EQ(m.jain_index_best_level, 0.9);
  EXPECT_DOUBLE_EQ(m.max_over_mean_best_level, 1.3);
  EXPECT_DOUBLE_EQ(m.utilization_max_best_level, 0.75);
  EXPECT_THROW(metrics_of(nlohmann::json::parse(R"({"messages": {}})")), std::exception);
}

Comparison sample(std::vector<double> base = {10, 12, 11}, std::vector<double> better = {5, 6, 5.5},
                  std::string name = "dead-host") {
  Comparison c({name}, {"one host of three is down"}, {"rfc5321-shuffle", "least-connections"}, {1, 2, 3});
  for (int r = 0; r < 3; ++r) {
    c.cells[0][0][r].status = "ok";
    c.cells[0][0][r].metrics = metrics_of(summary(base[r]));
    c.cells[0][1][r].status = "ok";
    c.cells[0][1][r].metrics = metrics_of(summary(better[r]));
  }
  return c;
}

TEST(Tables, CsvOneRowPerRunInOrder) {
  auto c = sample();
  c.cells[0][1][2] = Cell{3, "error", std::nullopt};
  const auto text = csv(c, "incomplete: test");
  std::vector<std::string> lines;
  for (std::size_t at = 0, end; (end = text.find('\n', at)) != std::string::npos; at = end + 1)
    lines.push_back(text.substr(at, end - at));
  ASSERT_EQ(lines.size(), 8u);
  EXPECT_EQ(lines[0].substr(0, 26), "scenario,policy,seed,statu");
  EXPECT_EQ(lines[1].substr(0, 33), "dead-host,rfc5321-shuffle,1,ok,10");
  EXPECT_EQ(lines[6], "dead-host,least-connections,3,error,,,,,,,,,,,,,,,,,,");
  EXPECT_EQ(lines[7], "# incomplete: test");
  const auto columns = [](const std::string& line) { return std::count(line.begin(), line.end(), ',') + 1; };
  for (std::size_t i = 0; i < 7; ++i) EXPECT_EQ(columns(lines[i]), columns(lines[0])) << lines[i];
}

TEST(Tables, MarkdownMeansIntervalsAndPairedVerdict) {
  const auto md = markdown(sample(), "rfc5321-shuffle");
  EXPECT_NE(md.find("### dead-host"), std::string::npos);
  EXPECT_NE(md.find("one host of three is down"), std::string::npos);
  EXPECT_NE(md.find("| rfc5321-shuffle |"), std::string::npos);
  // Delivery p99 of the baseline: mean 11, sd 1, t(2) = 4.303: 11.0 ± 2.48.
  EXPECT_NE(md.find("11.0 ± 2.48"), std::string::npos) << md;
  // Paired differences -5, -6, -5.5: mean -5.5, sd 0.5: -5.50 ± 1.24, better.
  EXPECT_NE(md.find("-5.50 ± 1.24 (better)"), std::string::npos) << md;
  const auto intervals = intervals_csv(sample(), "rfc5321-shuffle");
  EXPECT_NE(intervals.find("dead-host,rfc5321-shuffle,delivery_p99_s,,3,11,1,2.48"), std::string::npos) << intervals;
  EXPECT_NE(intervals.find("dead-host,least-connections,delivery_p99_s,rfc5321-shuffle,3,-5.5,0.5,1.24"),
            std::string::npos)
      << intervals;
  EXPECT_NE(intervals.find(",lower\n"), std::string::npos);
  EXPECT_NE(md.find("baseline"), std::string::npos);
  const auto incomplete = markdown(sample(), "rfc5321-shuffle", "incomplete: interrupted");
  EXPECT_EQ(incomplete.rfind("**incomplete: interrupted**", 0), 0u);
}

TEST(Tables, EqualDifferencesInEveryReplicationAreNoVerdict) {
  // Each policy's p99 falls in the same histogram bucket in every seed: the
  // paired differences are all -1.24, and their spread (0) is no evidence.
  const auto md = markdown(sample({10, 10, 10}, {8.76, 8.76, 8.76}), "rfc5321-shuffle");
  EXPECT_EQ(md.find("(better)"), std::string::npos) << md;
  EXPECT_NE(md.find("-1.24 ± 0 (no difference shown)"), std::string::npos) << md;
  const auto same = markdown(sample({10, 10, 10}, {10, 10, 10}), "rfc5321-shuffle");
  EXPECT_NE(same.find("0 ± 0 (identical)"), std::string::npos) << same;
  // Two seeds whose interval includes 0, and one replication alone.
  EXPECT_EQ(verdict(mean_interval(std::vector<double>{-1, 0.5})), "no difference shown");
  EXPECT_EQ(verdict(mean_interval(std::vector<double>{-3})), "no difference shown");
}

TEST(Tables, NamesWithCommasQuotesAndNewlinesStayOneField) {
  const std::string name = "renumber, \"v2\"\nsecond line";
  const auto text = csv(sample({10, 12, 11}, {5, 6, 5.5}, name));
  EXPECT_NE(text.find("\n\"renumber, \"\"v2\"\"\nsecond line\",rfc5321-shuffle,1,ok,"), std::string::npos) << text;
  const auto intervals = intervals_csv(sample({10, 12, 11}, {5, 6, 5.5}, name), "rfc5321-shuffle");
  EXPECT_NE(intervals.find("\n\"renumber, \"\"v2\"\"\nsecond line\",rfc5321-shuffle,"), std::string::npos);
}

}  // namespace
}  // namespace mxsim::compare
