// Limits on what one scenario may ask for, so that a hostile or mistyped file
// fails at once with exit 2 instead of exhausting memory or never ending.
// Each has a name; `--limit NAME=VALUE` on the command line raises it (the
// file itself cannot: it is what the limits protect against).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mxsim::scenario {

std::uint64_t default_memory_budget();  // scenario/memory.hpp

struct Limits {
  // Bytes of the scenario file, of its zone_file, and of the YAML document
  // with its aliases expanded (one alias may stand for a large subtree).
  std::uint64_t file_size = std::uint64_t{16} << 20;
  std::uint64_t zone_records = 1'000'000;  // the zone and every update together
  std::uint64_t addresses = 1'000;         // distinct A/AAAA addresses: one server each
  std::uint64_t senders = 1'000;           // sender groups
  std::uint64_t mtas = 100'000;            // MTAs of all groups together
  std::uint64_t events = 10'000;           // entries of `events`
  std::uint64_t messages = 1'000'000'000;  // expected arrivals: total rate x duration
  std::uint64_t timeseries_rows = 10'000'000;  // report bins x addresses
  std::uint64_t mx_per_name = 1'000;       // MX records of one owner name (a DNS answer over TCP holds ~4,000)
  std::uint64_t platform_hosts = 100'000;  // hosts, routers and zones of a platform file, clusters expanded
  std::uint64_t trace_bytes = std::uint64_t{4} << 30;  // of --trace: the trace stops there
  std::uint64_t runs = 10'000;             // runs of one sweep or compare
  // A run's estimated peak memory (scenario/memory.hpp): half of RAM.
  std::uint64_t memory = default_memory_budget();
};

struct LimitInfo {
  std::string_view name;
  std::uint64_t Limits::*field;
  std::string_view what;  // for --help and messages
};
std::span<const LimitInfo> limit_table();

// Applies one "NAME=VALUE" (the argument of --limit). VALUE is a whole number
// >= 1; file_size, trace_bytes and memory also take KiB, MiB or GiB ("64MiB"). Throws
// std::invalid_argument naming the known limits.
void set_limit(Limits& limits, std::string_view assignment);
// The defaults with every "NAME=VALUE" of `assignments` applied.
Limits parse_limits(const std::vector<std::string>& assignments);

// "the limit zone_records=1000000; raise it with --limit zone_records=N",
// the end of every message about a limit.
std::string limit_note(const Limits& limits, std::string_view name);

// The --help text of --limit: every limit with its default.
std::string limit_help();

}  // namespace mxsim::scenario
