// Durations and rates as scenario files write them: "250ms", "30s", "5m",
// "2h", "4d" (a bare number is seconds); "20/s", "1200/m", "50000/h", "1e6/d".
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mxsim::util {

// Seconds, or nullopt with `why` set to what was expected. Rejects negative,
// NaN, infinite and unknown units.
std::optional<double> parse_duration(std::string_view text, std::string* why = nullptr);

// Events per second, same rules; the unit after '/' is s, m, h or d.
std::optional<double> parse_rate(std::string_view text, std::string* why = nullptr);

// "30s", "5m", "1h30m" style text for reports (exact round trip not promised).
std::string format_duration(double seconds);

}  // namespace mxsim::util
