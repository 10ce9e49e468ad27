// The named limits of a scenario (limits.hpp): their table, `--limit
// NAME=VALUE` and the wording every limit error shares.
#include "scenario/limits.hpp"

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <cstdint>
#include <stdexcept>
#include <system_error>
#include <utility>

namespace mxsim::scenario {
namespace {

constexpr std::array<LimitInfo, 13> kLimits{{
    {"file_size", &Limits::file_size,
     "bytes of a scenario or zone file, and of the YAML with its aliases expanded"},
    {"zone_records", &Limits::zone_records, "records in the zone and its updates together"},
    {"addresses", &Limits::addresses, "distinct addresses in the zone (one server each)"},
    {"senders", &Limits::senders, "sender groups"},
    {"mtas", &Limits::mtas, "MTAs of all sender groups together"},
    {"events", &Limits::events, "entries of events"},
    {"messages", &Limits::messages, "expected messages: the groups' total rate x duration"},
    {"timeseries_rows", &Limits::timeseries_rows, "rows of timeseries.csv: report bins x addresses"},
    {"mx_per_name", &Limits::mx_per_name, "MX records of one name in the zone or an update"},
    {"platform_hosts", &Limits::platform_hosts, "hosts, routers and zones of a platform file, clusters expanded"},
    {"trace_bytes", &Limits::trace_bytes, "bytes of --trace: the trace stops at a line boundary below it"},
    {"runs", &Limits::runs, "runs of one sweep or compare (points x seeds, scenarios x policies x seeds)"},
    {"memory", &Limits::memory, "estimated peak memory of a run (mxsim validate --estimate; default: half of RAM)"},
}};

// Limits counted in bytes take KiB, MiB and GiB.
bool in_bytes(std::string_view name) { return name == "file_size" || name == "trace_bytes" || name == "memory"; }

const LimitInfo* find(std::string_view name) {
  for (const auto& info : kLimits)
    if (info.name == name) return &info;
  return nullptr;
}

std::string names() {
  std::string out;
  for (const auto& info : kLimits) out += (out.empty() ? "" : ", ") + std::string(info.name);
  return out;
}

// Byte counts print in the largest unit that divides them.
std::string shown_value(std::string_view name, std::uint64_t value) {
  if (!in_bytes(name)) return fmt::format("{}", value);
  constexpr std::array<std::string_view, 3> kUnits{"GiB", "MiB", "KiB"};
  for (std::size_t i = 0; i < kUnits.size(); ++i) {
    const std::uint64_t unit = std::uint64_t{1} << (10 * (kUnits.size() - i));
    if (value % unit == 0) return fmt::format("{}{}", value / unit, kUnits[i]);
  }
  return fmt::format("{}", value);
}

}  // namespace

std::span<const LimitInfo> limit_table() { return kLimits; }

void set_limit(Limits& limits, std::string_view assignment) {
  const auto equals = assignment.find('=');
  const std::string_view name = assignment.substr(0, equals);
  const LimitInfo* info = find(name);
  if (equals == std::string_view::npos || info == nullptr)
    throw std::invalid_argument(fmt::format(
        "--limit {}: expected NAME=VALUE with NAME one of {}", assignment, names()));
  std::string_view text = assignment.substr(equals + 1);
  std::uint64_t scale = 1;
  if (in_bytes(info->name)) {
    constexpr std::array<std::pair<std::string_view, int>, 3> kUnits{
        {{"KiB", 10}, {"MiB", 20}, {"GiB", 30}}};
    for (const auto& [suffix, shift] : kUnits) {
      if (text.size() > suffix.size() && text.substr(text.size() - suffix.size()) == suffix) {
        text.remove_suffix(suffix.size());
        scale = std::uint64_t{1} << shift;
      }
    }
  }
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value == 0 ||
      value > UINT64_MAX / scale)
    throw std::invalid_argument(
        fmt::format("--limit {}: expected a whole number >= 1{}", assignment,
                    in_bytes(info->name) ? " of bytes, or with KiB, MiB or GiB" : ""));
  limits.*info->field = value * scale;
}

Limits parse_limits(const std::vector<std::string>& assignments) {
  Limits limits;
  for (const auto& assignment : assignments) set_limit(limits, assignment);
  return limits;
}

std::string limit_note(const Limits& limits, std::string_view name) {
  const LimitInfo* info = find(name);
  const std::uint64_t value = info != nullptr ? limits.*info->field : 0;
  return fmt::format("the limit {}={}; raise it with --limit {}=N", name, shown_value(name, value),
                     name);
}

std::string limit_help() {
  std::string out;
  const Limits defaults;
  for (const auto& info : kLimits)
    out += fmt::format("  {:<16} {:>10}  {}\n", info.name, shown_value(info.name, defaults.*info.field),
                       info.what);
  return out;
}

}  // namespace mxsim::scenario
