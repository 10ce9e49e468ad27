// Histogram accuracy, fairness measures and the chi-square tail.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include <sstream>

#include <nlohmann/json.hpp>

#include "report/fairness.hpp"
#include "report/histogram.hpp"
#include "report/writers.hpp"
#include "util/random.hpp"

namespace mxsim::report {
namespace {

TEST(Histogram, PercentilesWithinOnePercentOfExact) {
  util::Rng rng(5);
  Histogram h;
  std::vector<double> values;
  for (int i = 0; i < 100000; ++i) {
    const double v = std::exp(rng.normal() * 3.0);  // spans many decades
    values.push_back(v);
    h.add(v);
  }
  std::sort(values.begin(), values.end());
  for (double p : {1.0, 10.0, 50.0, 90.0, 99.0, 99.9, 100.0}) {
    // Nearest rank, with the same guard against 99.9/100*n landing a hair above an integer.
    const auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * values.size() - 1e-9));
    const double exact = values[rank - 1];
    EXPECT_NEAR(h.percentile(p), exact, exact * 0.01) << "p" << p;
  }
  EXPECT_EQ(h.count(), values.size());
  EXPECT_DOUBLE_EQ(h.max(), values.back());
  EXPECT_DOUBLE_EQ(h.min(), values.front());
}

TEST(Histogram, ConstantValueAndEmpty) {
  Histogram h;
  EXPECT_EQ(h.percentile(50), 0.0);
  for (int i = 0; i < 10; ++i) h.add(30.25);
  EXPECT_DOUBLE_EQ(h.percentile(50), 30.25);  // clamped to [min, max]
  EXPECT_DOUBLE_EQ(h.mean(), 30.25);
  h.add(0.0);
  EXPECT_EQ(h.percentile(1), 0.0);
}

TEST(Histogram, MergeEqualsAddingAll) {
  Histogram a, b, all;
  for (int i = 1; i <= 100; ++i) {
    (i % 2 ? a : b).add(i * 0.5);
    all.add(i * 0.5);
  }
  a.merge(b);
  for (double p : {25.0, 50.0, 75.0, 99.0}) EXPECT_DOUBLE_EQ(a.percentile(p), all.percentile(p));
  EXPECT_DOUBLE_EQ(a.mean(), all.mean());
}

TEST(Fairness, JainAndMaxOverMean) {
  const std::vector<double> equal{5, 5, 5, 5}, one{20, 0, 0, 0}, none{0, 0};
  EXPECT_DOUBLE_EQ(jain_index(equal), 1.0);
  EXPECT_DOUBLE_EQ(jain_index(one), 0.25);
  EXPECT_DOUBLE_EQ(jain_index(none), 1.0);
  EXPECT_DOUBLE_EQ(max_over_mean(equal), 1.0);
  EXPECT_DOUBLE_EQ(max_over_mean(one), 4.0);
}

TEST(Fairness, ChiSquareTailMatchesKnownValues) {
  // Reference values of the chi-square upper tail (standard tables).
  EXPECT_NEAR(chi_square_survival(3.841458820694124, 1), 0.05, 1e-9);
  EXPECT_NEAR(chi_square_survival(7.814727903251178, 3), 0.05, 1e-9);
  EXPECT_NEAR(chi_square_survival(11.344866730144373, 3), 0.01, 1e-9);
  EXPECT_NEAR(chi_square_survival(124.34211340400407, 100), 0.05, 1e-8);
  EXPECT_NEAR(chi_square_quantile(0.05, 3), 7.814727903251178, 1e-6);
  EXPECT_DOUBLE_EQ(chi_square_p(std::vector<double>{10, 10, 10}), 1.0);
  EXPECT_LT(chi_square_p(std::vector<double>{100, 0, 0}), 1e-10);
}

Summary two_servers() {
  Summary s;
  s.mxsim_version = "test";
  s.scenario = "two";
  s.seed = 7;
  s.simulated_s = 60;
  s.messages = {.submitted = 4, .delivered = 3, .bounced = 1, .pending = 0};
  s.attempts.totals = {.connections = 6, .accepted = 3, .timeouts = 2, .refused = 1, .tempfail = 0,
                       .busy_tempfail = 0, .greylisted = 0, .rejected = 0, .peak_sessions = 2};
  s.attempts.per_message_mean = 1.5;
  s.servers.push_back({.host = "mx1.example.com", .address = "192.0.2.1", .preference = 10,
                       .counters = {.connections = 5, .accepted = 3, .timeouts = 2, .peak_sessions = 2},
                       .share = 1.0, .busy_session_s = 30, .up_s = 60, .utilization = 0.25,
                       .utilization_peak_bin = 0.5});
  s.servers.push_back({.host = "192.0.2.9", .address = "192.0.2.9", .preference = std::nullopt,
                       .counters = {.connections = 1, .refused = 1}, .share = 0.0, .utilization = 0.0});
  s.bounces[static_cast<std::size_t>(BounceReason::expired)] = 1;
  return s;
}

TEST(Writers, ServersCsvHasTheContractsColumnsAndJsonNumbers) {
  std::ostringstream out;
  write_servers_csv(two_servers(), out);
  EXPECT_EQ(out.str(),
            "host,address,preference,accepted,share,connections,timeouts,refused,tempfail,busy_tempfail,"
            "peak_sessions,utilization,utilization_peak_bin,busy_session_s,up_s\n"
            "mx1.example.com,192.0.2.1,10,3,1.0,5,2,0,0,0,2,0.25,0.5,30.0,60.0\n"
            "192.0.2.9,192.0.2.9,,0,0.0,1,0,1,0,0,0,0.0,0.0,0.0,0.0\n");
}

TEST(Writers, ServersCsvQuotesWhatNeedsIt) {
  auto summary = two_servers();
  summary.servers[0].host = "mx \"one\", the first\nline";
  std::ostringstream out;
  write_servers_csv(summary, out);
  EXPECT_NE(out.str().find("\n\"mx \"\"one\"\", the first\nline\",192.0.2.1,10,"), std::string::npos) << out.str();
}

TEST(Writers, JsonCarriesEveryServerCounterAndTheAttemptTotals) {
  const auto j = to_json(two_servers());
  for (const auto& field : kServerCounterFields) EXPECT_TRUE(j["servers"][0].contains(field.name)) << field.name;
  EXPECT_TRUE(j["servers"][1]["preference"].is_null());
  EXPECT_EQ(j["attempts"]["connections"], 6);
  EXPECT_FALSE(j["attempts"].contains("busy_tempfail"));
  EXPECT_FALSE(j["attempts"].contains("peak_sessions"));
  EXPECT_EQ(j["bounces"]["expired"], 1);
  EXPECT_EQ(j["bounces"]["null_mx"], 0);
}

TEST(Writers, TextSummaryLinesFromTheCounterList) {
  std::ostringstream out;
  write_text(two_servers(), out);
  const auto text = out.str();
  EXPECT_NE(text.find("attempts: 6 connections (1.500 per message), 3 accepted, 2 timeouts, 1 refused, 0 tempfail\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("bounces: expired 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("   connects  timeout refused tempfail  peak   util  peak%\n"), std::string::npos) << text;
}

}  // namespace
}  // namespace mxsim::report
