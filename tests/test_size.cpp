// `mxsim size` without simulations: the range and target parsers, the
// confidence decisions, the bisection on made-up responses (monotone, not
// monotone, maximized, interrupted) and metrics read from a summary.
#include <gtest/gtest.h>

#include <boost/math/distributions/students_t.hpp>
#include <cmath>
#include <nlohmann/json.hpp>

#include "size/size.hpp"

using namespace mxsim::size;

namespace {

// A response: the metric of each target at a value and seed.
using Response = std::function<double(double value, std::size_t seed)>;

struct Fake {
  Fake(const Grid& g, std::vector<Response> r) : grid(g), responses(std::move(r)) {}
  const Grid& grid;
  std::vector<Response> responses;
  std::size_t replications = 5;
  std::size_t calls = 0, runs = 0;
  std::optional<std::size_t> stop_after;  // batches

  Evaluator evaluator() {
    return [this](const std::vector<std::size_t>& indices) -> std::optional<std::vector<std::vector<std::vector<double>>>> {
      if (stop_after && calls >= *stop_after) return std::nullopt;
      ++calls;
      std::vector<std::vector<std::vector<double>>> out;
      for (const std::size_t i : indices) {
        std::vector<std::vector<double>> per_target;
        for (const auto& f : responses) {
          std::vector<double> samples;
          for (std::size_t s = 1; s <= replications; ++s) samples.push_back(f(grid.numbers[i], s));
          per_target.push_back(samples);
        }
        runs += replications;
        out.push_back(per_target);
      }
      return out;
    };
  }
};

// Small deterministic noise around 0, different per seed: ±0.1.
double noise(std::size_t seed) { return 0.1 * std::sin(static_cast<double>(seed) * 12.9898); }

}  // namespace

TEST(SizeRange, IntegersFloatsUnitsAndErrors) {
  const Grid g = parse_range("1..40", true);
  ASSERT_EQ(g.size(), 40u);
  EXPECT_EQ(g.texts.front(), "1");
  EXPECT_EQ(g.texts.back(), "40");
  const Grid r = parse_range("10/s..40/s", false);
  EXPECT_EQ(r.size(), 101u);
  EXPECT_EQ(r.texts[1], "10.3/s");
  EXPECT_EQ(r.texts.back(), "40/s");
  const Grid s = parse_range("0..1", false, 0.3);  // 0, 0.3, 0.6, 0.9 and the end
  EXPECT_EQ(s.texts, (std::vector<std::string>{"0", "0.3", "0.6", "0.9", "1"}));
  EXPECT_EQ(parse_range("2.5..7.5", true).texts, (std::vector<std::string>{"3", "4", "5", "6", "7"}));
  EXPECT_EQ(parse_range("5..5", true).size(), 1u);
  for (const char* bad : {"40..1", "1.2..1.8", "1..", "..5", "a..b", "1-40", "1m..2h", "1..1e9"}) {
    EXPECT_THROW(parse_range(bad, true), std::invalid_argument) << bad;
  }
  EXPECT_THROW(parse_range("1..2", true, 0.5), std::invalid_argument);
}

TEST(SizeTarget, Parses) {
  const Target a = parse_target("delivery.p99 <= 60s");
  EXPECT_EQ(a.metric, "delivery.p99");
  EXPECT_EQ(a.op, Target::Op::le);
  EXPECT_EQ(a.value, 60);
  EXPECT_EQ(parse_target("delivery.p99<5m").value, 300);
  EXPECT_EQ(parse_target("bounced == 0").op, Target::Op::eq);
  EXPECT_EQ(parse_target("servers.mx2.example.org.share >= 0.25").metric, "servers.mx2.example.org.share");
  EXPECT_EQ(parse_target("x != 1e-3").value, 1e-3);
  for (const char* bad : {"delivery.p99", "delivery.p99 <=", "<= 5", "x << 3", "x <= 5 parsecs", "x => 3", "a b <= 1"})
    EXPECT_THROW(parse_target(bad), std::invalid_argument) << bad;
}

TEST(SizeJudge, IntervalsAtTheConfidenceAsked) {
  // {4, 5, 6}: mean 5, sd 1; the 95% half-width is t(0.975, 2) / sqrt(3).
  const std::vector<double> samples{4, 5, 6};
  const double half = boost::math::quantile(boost::math::students_t_distribution<double>(2), 0.975) / std::sqrt(3.0);
  EXPECT_NEAR(judge(parse_target("m <= 1"), samples, 0.95).interval.half_width, half, 1e-12);
  EXPECT_EQ(judge(parse_target("m <= 7.6"), samples, 0.95).verdict, Verdict::holds);  // 5 + 2.484
  EXPECT_EQ(judge(parse_target("m <= 7.4"), samples, 0.95).verdict, Verdict::undecided);
  EXPECT_EQ(judge(parse_target("m <= 2.5"), samples, 0.95).verdict, Verdict::fails);  // 5 - 2.484 > 2.5
  EXPECT_EQ(judge(parse_target("m >= 2.5"), samples, 0.95).verdict, Verdict::holds);
  // A lower confidence, a narrower interval: t(0.75, 2) / sqrt(3) = 0.471.
  EXPECT_EQ(judge(parse_target("m <= 5.5"), samples, 0.5).verdict, Verdict::holds);
  EXPECT_EQ(judge(parse_target("m <= 5.5"), samples, 0.95).verdict, Verdict::undecided);
  // Equality needs every replication to give the value.
  EXPECT_EQ(judge(parse_target("bounced == 0"), {0, 0, 0}, 0.95).verdict, Verdict::holds);
  EXPECT_EQ(judge(parse_target("bounced == 0"), {0, 0, 3}, 0.95).verdict, Verdict::undecided);
  EXPECT_EQ(judge(parse_target("bounced == 0"), {3, 3, 3}, 0.95).verdict, Verdict::fails);
  // One run gives no interval: nothing is shown.
  EXPECT_EQ(judge(parse_target("m <= 100"), {1}, 0.95).verdict, Verdict::undecided);
}

TEST(SizeSearch, MonotoneStepFoundForEveryThreshold) {
  // holds iff value >= threshold: each threshold in the range is found
  // exactly, with its neighbour, in no more values than a bisection runs.
  const Grid grid = parse_range("1..40", true);
  for (int threshold = 1; threshold <= 40; ++threshold) {
    Fake fake{grid, {[&](double v, std::size_t s) { return (v >= threshold ? 1.0 : 10.0) + noise(s); }}};
    const auto out = search(grid, {parse_target("m <= 5")}, {}, fake.evaluator());
    ASSERT_TRUE(out.answer) << threshold;
    EXPECT_EQ(grid.numbers[*out.answer], threshold);
    if (threshold > 1) {
      ASSERT_TRUE(out.neighbour);
      EXPECT_EQ(grid.numbers[*out.neighbour], threshold - 1);
    }
    EXPECT_LE(out.evaluations.size(), bisection_values(40));
    EXPECT_EQ(out.runs, out.evaluations.size() * 5);
    EXPECT_EQ(out.runs, fake.runs);
    EXPECT_TRUE(out.contradictions.empty()) << threshold << ": " << out.contradictions.front();
    EXPECT_TRUE(out.complete);
  }
  EXPECT_EQ(bisection_values(40), 8u);  // both ends, then ceil(log2(39)) = 6 middles
  EXPECT_EQ(bisection_values(2), 2u);
  EXPECT_EQ(bisection_values(3), 3u);
}

TEST(SizeSearch, SmoothResponse) {
  // 100 / value <= 5.1 from 20 on (19 gives 5.26); the noise does not blur it.
  const Grid grid = parse_range("1..200", true);
  Fake fake{grid, {[](double v, std::size_t s) { return 100 / v + 0.01 * noise(s); }}};
  const auto out = search(grid, {parse_target("m <= 5.1")}, {}, fake.evaluator());
  ASSERT_TRUE(out.answer);
  EXPECT_EQ(grid.texts[*out.answer], "20");
  EXPECT_EQ(grid.texts[*out.neighbour], "19");
  EXPECT_TRUE(out.contradictions.empty());
  EXPECT_LE(out.evaluations.size(), bisection_values(200));
}

TEST(SizeSearch, Maximize) {
  // The largest rate (value) whose metric stays <= 17: 17; 18 is the neighbour.
  const Grid grid = parse_range("1..40", true);
  Fake fake{grid, {[](double v, std::size_t s) { return v + noise(s); }}};
  const auto out = search(grid, {parse_target("m <= 17.5")}, {.maximize = true}, fake.evaluator());
  ASSERT_TRUE(out.answer);
  EXPECT_EQ(grid.texts[*out.answer], "17");
  EXPECT_EQ(grid.texts[*out.neighbour], "18");
  EXPECT_TRUE(out.contradictions.empty());
}

TEST(SizeSearch, EveryTargetMustHold) {
  // Two targets: the first holds from 10, the second from 25.
  const Grid grid = parse_range("1..40", true);
  Fake fake{grid,
            {[](double v, std::size_t s) { return (v >= 10 ? 0.0 : 1.0) + 0.01 * noise(s); },
             [](double v, std::size_t s) { return (v >= 25 ? 100.0 : 50.0) + noise(s); }}};
  const auto out = search(grid, {parse_target("a <= 0.5"), parse_target("b > 75")}, {}, fake.evaluator());
  ASSERT_TRUE(out.answer);
  EXPECT_EQ(grid.texts[*out.answer], "25");
}

TEST(SizeSearch, UndecidedCountsAsNotShown) {
  // The metric sits right at the target: never shown to hold; the closest
  // value is reported instead of an answer.
  const Grid grid = parse_range("1..10", true);
  Fake fake{grid, {[](double, std::size_t s) { return 5 + noise(s); }}};
  const auto out = search(grid, {parse_target("m <= 5")}, {}, fake.evaluator());
  EXPECT_FALSE(out.answer);
  ASSERT_TRUE(out.best);
  EXPECT_EQ(out.evaluations.size(), 2u);  // both ends, then nothing to bisect
}

TEST(SizeSearch, NoValueMeetsTargetsReportsTheClosest) {
  const Grid grid = parse_range("1..40", true);
  Fake fake{grid, {[](double v, std::size_t s) { return 100 - v + noise(s); }}};
  const auto out = search(grid, {parse_target("m <= 10")}, {}, fake.evaluator());
  EXPECT_FALSE(out.answer);
  ASSERT_TRUE(out.best);
  EXPECT_EQ(grid.texts[*out.best], "40");
  EXPECT_TRUE(out.contradictions.empty());
}

TEST(SizeSearch, NotMonotoneIsReported) {
  const Grid grid = parse_range("1..40", true);
  {
    // Holds at the low end, fails at the high end: "holds from some value on" is false.
    Fake fake{grid, {[](double v, std::size_t s) { return v + noise(s); }}};
    const auto out = search(grid, {parse_target("m <= 20")}, {}, fake.evaluator());
    ASSERT_TRUE(out.answer);
    EXPECT_EQ(grid.texts[*out.answer], "1");
    ASSERT_FALSE(out.contradictions.empty());
    EXPECT_NE(out.contradictions.front().find("hold at 1 but fail at 40"), std::string::npos) << out.contradictions.front();
  }
  {
    // A valley: the metric falls to its low at 20 and rises again; every
    // value the bisection runs meets the target, but the metric rising
    // between two of them contradicts the assumption.
    Fake fake{grid, {[](double v, std::size_t s) { return std::fabs(v - 20) / 10 + 0.01 * noise(s); }}};
    const auto out = search(grid, {parse_target("m <= 5")}, {}, fake.evaluator());
    ASSERT_TRUE(out.answer);
    bool rises = false;
    for (const auto& c : out.contradictions) rises = rises || c.find("m rises from") != std::string::npos;
    EXPECT_TRUE(rises);
  }
  {
    // Monotone but noisy (a wide interval at every value): no false alarm.
    Fake fake{grid, {[](double v, std::size_t s) { return 40 - v + 30 * noise(s); }}};
    const auto out = search(grid, {parse_target("m <= 20")}, {}, fake.evaluator());
    EXPECT_TRUE(out.contradictions.empty()) << out.contradictions.front();
  }
}

TEST(SizeSearch, OneValue) {
  const Grid grid = parse_range("7..7", true);
  Fake fake{grid, {[](double, std::size_t s) { return 1 + noise(s); }}};
  const auto out = search(grid, {parse_target("m <= 5")}, {}, fake.evaluator());
  ASSERT_TRUE(out.answer);
  EXPECT_EQ(out.evaluations.size(), 1u);
  EXPECT_EQ(fake.runs, 5u);
  EXPECT_FALSE(out.neighbour);
}

TEST(SizeSearch, StopsWhenTheEvaluatorStops) {
  const Grid grid = parse_range("1..40", true);
  Fake fake{grid, {[](double v, std::size_t) { return 100 / v; }}};
  fake.stop_after = 2;
  const auto out = search(grid, {parse_target("m <= 5")}, {}, fake.evaluator());
  EXPECT_FALSE(out.complete);
  EXPECT_FALSE(out.answer);
  EXPECT_EQ(out.evaluations.size(), 3u);  // the two ends, one middle
}

TEST(SizeMetric, PathsIntoTheSummary) {
  const auto summary = nlohmann::json::parse(R"({
    "messages": {"submitted": 100, "delivered": 98, "bounced": 2, "pending": 0},
    "latency_s": {"delivery": {"p99": 31.5, "percentiles": {"99.9": 40}}, "first_hop": {"p99": 3}},
    "attempts": {"timeouts": 7},
    "complete": true,
    "servers": [
      {"host": "mx1.example.org", "address": "192.0.2.25", "share": 0.75},
      {"host": "mx2.example.org", "address": "198.51.100.25", "share": 0.25},
      {"host": "two.example.org", "address": "192.0.2.1", "share": 0.5},
      {"host": "two.example.org", "address": "192.0.2.2", "share": 0.5}],
    "senders": [{"name": "big-isp", "delivery": {"p99": 12}}],
    "scenario": "x"})");
  EXPECT_EQ(metric_value(summary, "servers.mx2.example.org.share"), 0.25);
  EXPECT_EQ(metric_value(summary, "servers[\"mx1.example.org\"].share"), 0.75);
  EXPECT_EQ(metric_value(summary, "servers.192.0.2.2.share"), 0.5);
  EXPECT_EQ(metric_value(summary, "servers[0].share"), 0.75);
  EXPECT_EQ(metric_value(summary, "senders.big-isp.delivery.p99"), 12);
  EXPECT_EQ(metric_value(summary, "latency_s.delivery.p99"), 31.5);
  EXPECT_EQ(metric_value(summary, "delivery.p99"), 31.5);
  EXPECT_EQ(metric_value(summary, "delivery.percentiles.99.9"), 40);
  EXPECT_EQ(metric_value(summary, "bounced"), 2);
  EXPECT_EQ(metric_value(summary, "timeouts"), 7);
  EXPECT_EQ(metric_value(summary, "delivery_p99_s"), 31.5);
  EXPECT_EQ(metric_value(summary, "complete"), 1);
  for (const char* bad : {"servers.mx3.example.org.share", "servers.two.example.org.share", "delivery", "scenario",
                          "nothing", "servers", "servers.mx1.example.org.share.x", "a..b"})
    EXPECT_THROW(metric_value(summary, bad), std::invalid_argument) << bad;
  try {
    metric_value(summary, "servers.mx3.example.org.share");
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("mx1.example.org"), std::string::npos) << e.what();
  }
}
