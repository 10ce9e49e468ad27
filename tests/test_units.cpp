// Table-driven tests of the duration and rate parsers and of format_duration:
// every unit, the edge cases the scenario contract calls errors, and the
// text reports print.
#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "util/units.hpp"

namespace {

using mxsim::util::format_duration;
using mxsim::util::parse_duration;
using mxsim::util::parse_rate;

struct Valid {
  const char* text;
  double expected;
};

struct Invalid {
  const char* text;
  const char* why_contains;  // part of the explanation the user will see
};

TEST(ParseDuration, AcceptsEveryUnit) {
  const std::vector<Valid> cases = {
      {"250ms", 0.25}, {"30s", 30},   {"5m", 300},   {"2h", 7200},    {"4d", 345600},
      {"1.5h", 5400},  {"1e3", 1000}, {"0", 0},      {"  10s ", 10},  {"45", 45},
      {"0.5", 0.5},    {"1e3ms", 1},  {"+5m", 300},  {"\t2m\n", 120}, {"0s", 0},
      {".5s", 0.5},    {"-0", 0},     {"1E2s", 100},
  };
  for (const auto& c : cases) {
    std::string why;
    const auto got = parse_duration(c.text, &why);
    ASSERT_TRUE(got.has_value()) << '"' << c.text << "\": " << why;
    EXPECT_DOUBLE_EQ(*got, c.expected) << '"' << c.text << '"';
  }
}

TEST(ParseDuration, RejectsMalformedText) {
  const std::vector<Invalid> cases = {
      {"-5s", "non-negative"},
      {"5 parsecs", "ms, s, m, h or d"},
      {"5parsecs", "ms, s, m, h or d"},
      {"NaN", "finite"},
      {"nan", "finite"},
      {"inf", "finite"},
      {"infinity", "finite"},
      {"", "expected a duration"},
      {"   ", "expected a duration"},
      {"s", "expected a duration"},
      {"10x", "ms, s, m, h or d"},
      {"1e999", "finite"},
      {"1e306d", "finite"},  // finite number, infinite once in seconds
      {"10 s", "right after the number"},
      {"10ss", "ms, s, m, h or d"},
      {"10us", "ms, s, m, h or d"},
      {"20/s", "ms, s, m, h or d"},
      {"0x10", "ms, s, m, h or d"},
      {"--5s", "expected a duration"},
  };
  for (const auto& c : cases) {
    std::string why;
    EXPECT_FALSE(parse_duration(c.text, &why).has_value()) << '"' << c.text << '"';
    EXPECT_NE(why.find(c.why_contains), std::string::npos)
        << '"' << c.text << "\": why was \"" << why << '"';
    EXPECT_EQ(why.rfind("expected ", 0), 0u) << why;
  }
}

TEST(ParseDuration, WhyIsOptional) {
  EXPECT_FALSE(parse_duration("bogus").has_value());
  EXPECT_EQ(parse_duration("3m").value(), 180);
}

TEST(ParseRate, AcceptsEveryUnit) {
  const std::vector<Valid> cases = {
      {"20/s", 20},           {"1200/m", 20},   {"50000/h", 50000.0 / 3600},
      {"1e6/d", 1e6 / 86400}, {" 3.5/s ", 3.5}, {"0/s", 0},
  };
  for (const auto& c : cases) {
    std::string why;
    const auto got = parse_rate(c.text, &why);
    ASSERT_TRUE(got.has_value()) << '"' << c.text << "\": " << why;
    EXPECT_DOUBLE_EQ(*got, c.expected) << '"' << c.text << '"';
  }
}

TEST(ParseRate, RejectsMalformedText) {
  const std::vector<Invalid> cases = {
      {"20", "needs a unit"},  // a bare number: per second or per day?
      {"20/y", "/s, /m, /h or /d"},  {"-1/s", "non-negative"},
      {"/s", "expected a rate"},     {"", "expected a rate"},
      {"nan/s", "finite"},           {"inf/s", "finite"},
      {"20 /s", "/s, /m, /h or /d"}, {"20/ms", "/s, /m, /h or /d"},
      {"20s", "/s, /m, /h or /d"},   {"fast", "expected a rate such as 20/s"},
  };
  for (const auto& c : cases) {
    std::string why;
    EXPECT_FALSE(parse_rate(c.text, &why).has_value()) << '"' << c.text << '"';
    EXPECT_NE(why.find(c.why_contains), std::string::npos)
        << '"' << c.text << "\": why was \"" << why << '"';
  }
}

TEST(FormatDuration, PrintsTheLargestUnitsFirst) {
  const std::vector<std::pair<double, std::string>> cases = {
      {0, "0s"},     {0.25, "250ms"},     {0.0005, "0.5ms"}, {1, "1s"},     {30, "30s"},
      {1.5, "1.5s"}, {61.25, "1m1.25s"},  {300, "5m"},       {3600, "1h"},  {5400, "1h30m"},
      {86400, "1d"}, {90061, "1d1h1m1s"}, {7 * 86400, "7d"}, {-30, "-30s"}, {3599.9996, "1h"},
  };
  for (const auto& [seconds, text] : cases) EXPECT_EQ(format_duration(seconds), text) << seconds;
  EXPECT_EQ(format_duration(std::numeric_limits<double>::infinity()), "forever");
}

TEST(FormatDuration, SingleUnitOutputRoundTrips) {
  // "1h30m" is for people; values that print with one unit parse back exactly.
  for (double seconds : {0.25, 1.0, 42.0, 1.5, 300.0, 7200.0, 86400.0}) {
    const auto text = format_duration(seconds);
    const auto back = parse_duration(text);
    ASSERT_TRUE(back.has_value()) << text;
    EXPECT_DOUBLE_EQ(*back, seconds) << text;
  }
}

}  // namespace
