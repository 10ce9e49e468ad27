// Table-driven tests of the duration, rate, bandwidth, size, flops and speed
// parsers and of format_duration: every unit, the edge cases the scenario
// contract calls errors, and the text reports print.
#include <gtest/gtest.h>

#include <limits>
#include <optional>
#include <string_view>
#include <string>
#include <utility>
#include <vector>

#include "util/units.hpp"

namespace {

using mxsim::util::format_duration;
using mxsim::util::parse_bandwidth;
using mxsim::util::parse_bytes;
using mxsim::util::parse_duration;
using mxsim::util::parse_flops;
using mxsim::util::parse_rate;
using mxsim::util::parse_speed;

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

// The network quantities share one shape: accepted text and its value, and
// rejected text with part of the explanation.
using Parser = std::optional<double> (*)(std::string_view, std::string*);

void expect_values(Parser parse, const std::vector<Valid>& cases) {
  for (const auto& c : cases) {
    std::string why;
    const auto got = parse(c.text, &why);
    ASSERT_TRUE(got.has_value()) << '"' << c.text << "\": " << why;
    EXPECT_DOUBLE_EQ(*got, c.expected) << '"' << c.text << '"';
  }
}

void expect_rejected(Parser parse, const std::vector<Invalid>& cases) {
  for (const auto& c : cases) {
    std::string why;
    EXPECT_FALSE(parse(c.text, &why).has_value()) << '"' << c.text << '"';
    EXPECT_NE(why.find(c.why_contains), std::string::npos)
        << '"' << c.text << "\": why was \"" << why << '"';
    EXPECT_EQ(why.rfind("expected ", 0), 0u) << why;
  }
}

TEST(ParseBandwidth, AcceptsBitsAndBytesPerSecond) {
  expect_values(parse_bandwidth, {
      {"8bps", 1},          {"8kbps", 1e3},        {"8Kbps", 1e3},       {"100Mbps", 12.5e6},
      {"1Gbps", 125e6},     {"1Tbps", 125e9},      {"8bit/s", 1},        {"8kbit/s", 1e3},
      {"100Mbit/s", 12.5e6}, {"10Gbit/s", 1.25e9}, {"1Bps", 1},          {"2kBps", 2e3},
      {"2KBps", 2e3},       {"12.5MBps", 12.5e6},  {"1GBps", 1e9},       {"1B/s", 1},
      {"3kB/s", 3e3},       {"3KB/s", 3e3},        {"5MB/s", 5e6},       {"2GB/s", 2e9},
      {"1000", 1000},       {" 1e3 ", 1000},       {"+1Gbps", 125e6},    {"0.5Mbps", 62500},
  });
}

TEST(ParseBandwidth, RejectsMalformedText) {
  expect_rejected(parse_bandwidth, {
      {"0", "positive"},           {"0Mbps", "positive"},
      {"-1Mbps", "positive"},      {"nan", "finite"},
      {"inf", "finite"},           {"1e308Tbps", "finite"},
      {"1e999", "finite"},         {"100mbps", "bps, kbps, Mbps"},  // millibits: a typo
      {"100MBPS", "Bps, kBps, MBps"}, {"100 Mbps", "right after the number"},
      {"100Mb", "bits per second"}, {"100Mbps/s", "bytes per second"},
      {"fast", "expected a bandwidth such as 100Mbps"}, {"", "expected a bandwidth"},
      {"Mbps", "expected a bandwidth"},
  });
}

TEST(ParseBytes, AcceptsDecimalAndBinaryUnits) {
  expect_values(parse_bytes, {
      {"0", 0},       {"512", 512},     {"10B", 10},          {"60kB", 60e3},
      {"60KB", 60e3}, {"1.5MB", 1.5e6}, {"2GB", 2e9},         {"1TB", 1e12},
      {"1KiB", 1024}, {"64KiB", 65536}, {"1MiB", 1048576},    {"1GiB", 1073741824.0},
      {"1TiB", 1099511627776.0},        {" 4e3B ", 4000},     {"0KB", 0},
  });
}

TEST(ParseBytes, RejectsMalformedText) {
  expect_rejected(parse_bytes, {
      {"-1KB", "non-negative"},    {"nan", "finite"},
      {"inf", "finite"},           {"1e306TB", "finite"},
      {"60kb", "B, kB, MB"},       {"60 KB", "right after the number"},
      {"60KiBs", "KiB, MiB"},      {"60mB", "B, kB, MB"},
      {"big", "expected a size"},  {"", "expected a size"},
  });
}

TEST(ParseFlops, AcceptsSimGridUnits) {
  expect_values(parse_flops, {
      {"2e8", 2e8}, {"1f", 1},      {"3kf", 3e3}, {"3Kf", 3e3}, {"200Mf", 2e8},
      {"1.5Gf", 1.5e9}, {"2Tf", 2e12}, {"1Pf", 1e15}, {"1Ef", 1e18}, {" 7 ", 7},
  });
}

TEST(ParseFlops, RejectsMalformedText) {
  expect_rejected(parse_flops, {
      {"0", "positive"},          {"0Gf", "positive"},  {"-1Gf", "positive"},
      {"nan", "finite"},          {"inf", "finite"},    {"1e306Ef", "finite"},
      {"1gf", "f, kf, Mf"},       {"1Gf/s", "f, kf, Mf"},  // work is not a speed
      {"1 Gf", "right after"},    {"1Gflops", "f, kf, Mf"},
      {"lots", "expected a number of flops such as 2e8"},
  });
}

TEST(ParseSpeed, AcceptsFlopsPerSecond) {
  expect_values(parse_speed, {
      {"1Gf", 1e9},   {"1Gf/s", 1e9},  {"500Mf", 5e8}, {"2.5Gf/s", 2.5e9}, {"1e9", 1e9},
      {"1f/s", 1},    {"4kf/s", 4e3},  {"1Tf", 1e12},  {" 1Gf/s ", 1e9},
  });
}

TEST(ParseSpeed, RejectsMalformedText) {
  expect_rejected(parse_speed, {
      {"0", "positive"},     {"0Gf/s", "positive"},  {"-1Gf", "positive"},
      {"nan", "finite"},     {"inf/s", "finite"},    {"1e306Ef/s", "finite"},
      {"1e9/s", "optionally followed by /s"},  // a bare number with /s: no unit
      {"1Gf/m", "optionally followed by /s"},  {"1Gf /s", "optionally followed by /s"},
      {"1GHz", "optionally followed by /s"},   {"quick", "expected a speed"},
      {"", "expected a speed"},
  });
}

TEST(ParseNetworkQuantities, WhyIsOptional) {
  EXPECT_FALSE(parse_bandwidth("bogus").has_value());
  EXPECT_FALSE(parse_bytes("bogus").has_value());
  EXPECT_FALSE(parse_flops("bogus").has_value());
  EXPECT_FALSE(parse_speed("bogus").has_value());
  EXPECT_EQ(parse_bandwidth("8bps").value(), 1);
}

}  // namespace
