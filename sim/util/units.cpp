// Parsing and printing of the durations, rates and network quantities that
// scenario files write ("250ms", "2h", "20/s", "100Mbps", "60KB", "1Gf").
// Strict on purpose: a typo in a unit must stop the run rather than silently
// change the simulated time scale (or turn bits into bytes).
#include "util/units.hpp"

#include <fmt/format.h>

#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <system_error>
#include <utility>

namespace mxsim::util {
namespace {

// What a caller expected, for `why`: the loader appends `, got "<text>"`.
struct Expected {
  std::string_view noun;      // "duration"
  std::string_view examples;  // "30s, 5m, 2h or 4d"
  std::string phrase(std::string_view qualifier = {}, std::string_view note = {}) const {
    std::string text = fmt::format("expected a {}{}{} such as {}", qualifier,
                                   qualifier.empty() ? "" : " ", noun, examples);
    if (!note.empty()) text += fmt::format(" ({})", note);
    return text;
  }
};

constexpr Expected kDuration{"duration", "30s, 5m, 2h or 4d"};
constexpr Expected kRate{"rate", "20/s, 1200/m, 50000/h or 1e6/d"};
constexpr Expected kBandwidth{"bandwidth", "100Mbps, 1Gbps or 12.5MBps"};
constexpr Expected kBytes{"size", "60KB, 1.5MB or 64KiB"};
constexpr Expected kFlops{"number of flops", "2e8, 200Mf or 1.5Gf"};
constexpr Expected kSpeed{"speed", "1Gf, 500Mf or 2.5Gf/s"};

struct Unit {
  std::string_view name;
  double factor;  // to seconds, bytes (per second), flops (per second)
};

// The unit is the whole rest of the text, compared exactly: "10ss" or "10 s" are typos.
constexpr std::array<Unit, 5> kDurationUnits{
    {{"ms", 0.001}, {"s", 1.0}, {"m", 60.0}, {"h", 3600.0}, {"d", 86400.0}}};
constexpr std::array<Unit, 4> kRateUnits{{{"s", 1.0}, {"m", 60.0}, {"h", 3600.0}, {"d", 86400.0}}};

// Bits are b, bytes B; "mbps" (millibits) is a typo, so case matters beyond k/K.
constexpr std::array<Unit, 24> kBandwidthUnits{{
    {"bps", 1.0 / 8},    {"kbps", 1e3 / 8},   {"Kbps", 1e3 / 8},   {"Mbps", 1e6 / 8},
    {"Gbps", 1e9 / 8},   {"Tbps", 1e12 / 8},  {"bit/s", 1.0 / 8},  {"kbit/s", 1e3 / 8},
    {"Kbit/s", 1e3 / 8}, {"Mbit/s", 1e6 / 8}, {"Gbit/s", 1e9 / 8}, {"Tbit/s", 1e12 / 8},
    {"Bps", 1.0},        {"kBps", 1e3},       {"KBps", 1e3},       {"MBps", 1e6},
    {"GBps", 1e9},       {"TBps", 1e12},      {"B/s", 1.0},        {"kB/s", 1e3},
    {"KB/s", 1e3},       {"MB/s", 1e6},       {"GB/s", 1e9},       {"TB/s", 1e12},
}};
constexpr std::array<Unit, 10> kByteUnits{{{"B", 1.0},
                                           {"kB", 1e3},
                                           {"KB", 1e3},
                                           {"MB", 1e6},
                                           {"GB", 1e9},
                                           {"TB", 1e12},
                                           {"KiB", 1024.0},
                                           {"MiB", 1048576.0},
                                           {"GiB", 1073741824.0},
                                           {"TiB", 1099511627776.0}}};
constexpr std::array<Unit, 8> kFlopUnits{{{"f", 1.0},
                                          {"kf", 1e3},
                                          {"Kf", 1e3},
                                          {"Mf", 1e6},
                                          {"Gf", 1e9},
                                          {"Tf", 1e12},
                                          {"Pf", 1e15},
                                          {"Ef", 1e18}}};

void set_why(std::string* why, std::string text) {
  if (why != nullptr) *why = std::move(text);
}

std::string_view trim(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r\n";
  const auto first = text.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(kSpace);
  return text.substr(first, last - first + 1);
}

// A leading non-negative finite number; `rest` gets what follows it.
// `sign` qualifies the expected noun when the number is negative.
std::optional<double> leading_number(std::string_view text, std::string_view* rest,
                                     const Expected& expected, std::string* why,
                                     std::string_view sign = "non-negative") {
  double value = 0;
  // from_chars takes no leading '+'; allow it since people write "+5m".
  const std::string_view digits = !text.empty() && text.front() == '+' ? text.substr(1) : text;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value,
                                         std::chars_format::general);
  if (ec == std::errc::result_out_of_range || (ec == std::errc() && !std::isfinite(value))) {
    set_why(why, expected.phrase("finite"));
    return std::nullopt;
  }
  if (ec != std::errc()) {
    set_why(why, expected.phrase());
    return std::nullopt;
  }
  if (std::signbit(value) && value != 0) {
    set_why(why, expected.phrase(sign));
    return std::nullopt;
  }
  *rest = digits.substr(static_cast<std::size_t>(end - digits.data()));
  return value == 0 ? 0.0 : value;  // drops the sign of -0
}

template <std::size_t N>
const Unit* find_unit(const std::array<Unit, N>& units, std::string_view name) {
  for (const auto& unit : units)
    if (unit.name == name) return &unit;
  return nullptr;
}

}  // namespace

std::optional<double> parse_duration(std::string_view text, std::string* why) {
  text = trim(text);
  std::string_view unit_text;
  const auto number = leading_number(text, &unit_text, kDuration, why);
  if (!number) return std::nullopt;
  double scale = 1.0;  // a bare number is seconds
  if (!unit_text.empty()) {
    const Unit* unit = find_unit(kDurationUnits, unit_text);
    if (unit == nullptr) {
      set_why(why, kDuration.phrase({}, "the unit, right after the number, is ms, s, m, h or d"));
      return std::nullopt;
    }
    scale = unit->factor;
  }
  const double seconds = *number * scale;
  if (!std::isfinite(seconds)) {
    set_why(why, kDuration.phrase("finite"));
    return std::nullopt;
  }
  return seconds;
}

std::optional<double> parse_rate(std::string_view text, std::string* why) {
  text = trim(text);
  std::string_view unit_text;
  const auto number = leading_number(text, &unit_text, kRate, why);
  if (!number) return std::nullopt;
  if (unit_text.empty()) {
    // A bare number could mean per second or per day: make the user say.
    set_why(why, kRate.phrase({}, "a rate needs a unit: /s, /m, /h or /d"));
    return std::nullopt;
  }
  const Unit* unit =
      unit_text.front() == '/' ? find_unit(kRateUnits, unit_text.substr(1)) : nullptr;
  if (unit == nullptr) {
    set_why(why, kRate.phrase({}, "the unit is /s, /m, /h or /d"));
    return std::nullopt;
  }
  return *number / unit->factor;
}

namespace {

// A number and an optional unit from `units` (none: the base unit), the
// product finite; with `positive`, zero is rejected too.
template <std::size_t N>
std::optional<double> parse_scaled(std::string_view text, const Expected& expected,
                                   const std::array<Unit, N>& units, std::string_view unit_note,
                                   bool positive, std::string* why) {
  text = trim(text);
  std::string_view unit_text;
  const auto number =
      leading_number(text, &unit_text, expected, why, positive ? "positive" : "non-negative");
  if (!number) return std::nullopt;
  double scale = 1.0;
  if (!unit_text.empty()) {
    const Unit* unit = find_unit(units, unit_text);
    if (unit == nullptr) {
      set_why(why, expected.phrase({}, unit_note));
      return std::nullopt;
    }
    scale = unit->factor;
  }
  const double value = *number * scale;
  if (!std::isfinite(value)) {
    set_why(why, expected.phrase("finite"));
    return std::nullopt;
  }
  if (positive && value <= 0) {
    set_why(why, expected.phrase("positive"));
    return std::nullopt;
  }
  return value;
}

}  // namespace

std::optional<double> parse_bandwidth(std::string_view text, std::string* why) {
  return parse_scaled(text, kBandwidth, kBandwidthUnits,
                      "the unit, right after the number, is bps, kbps, Mbps, Gbps or Tbps (bits "
                      "per second) or Bps, kBps, MBps, GBps or TBps (bytes per second)",
                      true, why);
}

std::optional<double> parse_bytes(std::string_view text, std::string* why) {
  return parse_scaled(text, kBytes, kByteUnits,
                      "the unit, right after the number, is B, kB, MB, GB, TB (powers of 1000) "
                      "or KiB, MiB, GiB, TiB (powers of 1024)",
                      false, why);
}

std::optional<double> parse_flops(std::string_view text, std::string* why) {
  return parse_scaled(text, kFlops, kFlopUnits,
                      "the unit, right after the number, is f, kf, Mf, Gf, Tf, Pf or Ef", true, why);
}

std::optional<double> parse_speed(std::string_view text, std::string* why) {
  // "1Gf/s" is "1Gf" per second; a bare "/s" after the number names no unit.
  std::string_view trimmed = trim(text);
  constexpr std::string_view kPerSecond = "/s";
  if (trimmed.size() > kPerSecond.size() && trimmed.ends_with(kPerSecond)) {
    const std::string_view before = trimmed.substr(0, trimmed.size() - kPerSecond.size());
    if (!before.empty() && std::isalpha(static_cast<unsigned char>(before.back())) != 0)
      trimmed = before;
  }
  return parse_scaled(trimmed, kSpeed, kFlopUnits,
                      "the unit, right after the number, is f, kf, Mf, Gf, Tf, Pf or Ef, "
                      "optionally followed by /s",
                      true, why);
}

std::string format_duration(double seconds) {
  if (std::isnan(seconds)) return "nan";
  if (seconds < 0) {
    // Not "-" + ...: GCC 12 warns (-Wrestrict, a false positive) at -O3.
    std::string positive = format_duration(-seconds);
    positive.insert(positive.begin(), '-');
    return positive;
  }
  if (std::isinf(seconds)) return "forever";
  if (seconds == 0) return "0s";
  if (seconds < 1) return fmt::format("{:g}ms", seconds * 1000);
  // Beyond ~30000 years milliseconds no longer fit exactly: plain seconds.
  if (seconds >= 1e15) return fmt::format("{:g}s", seconds);

  auto millis = static_cast<std::int64_t>(std::llround(seconds * 1000));
  const std::int64_t days = millis / 86'400'000;
  millis %= 86'400'000;
  const std::int64_t hours = millis / 3'600'000;
  millis %= 3'600'000;
  const std::int64_t minutes = millis / 60'000;
  millis %= 60'000;

  std::string out;
  if (days > 0) out += fmt::format("{}d", days);
  if (hours > 0) out += fmt::format("{}h", hours);
  if (minutes > 0) out += fmt::format("{}m", minutes);
  if (millis % 1000 != 0) {
    std::string fraction = fmt::format("{:03}", millis % 1000);
    while (fraction.back() == '0') fraction.pop_back();
    out += fmt::format("{}.{}s", millis / 1000, fraction);
  } else if (millis > 0 || out.empty()) {
    out += fmt::format("{}s", millis / 1000);
  }
  return out;
}

}  // namespace mxsim::util
