// The hardened YAML reader under the scenario loader (internal to the
// scenario library): one document, aliases bounded, maps with known keys, and
// every scalar read with its unit and range, each error at file:line:column.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "scenario/limits.hpp"
#include "util/error.hpp"
#include "util/units.hpp"

namespace mxsim::scenario {

using util::Location;

// Duration, horizon, event times and every other duration: a typo such as
// 40000d must not become a run that never ends.
inline constexpr double kMaxTime = 365 * 86400.0;

// One `key: value` of a YAML map, the key as text.
struct Entry {
  std::string key;
  YAML::Node key_node;
  YAML::Node value;
};

// A YAML map whose keys were checked against the allowed ones.
struct Fields {
  std::string path;
  Location where;
  std::vector<Entry> entries;

  const Entry* find(std::string_view key) const {
    for (const auto& entry : entries)
      if (entry.key == key) return &entry;
    return nullptr;
  }
};

// A quantity of the network session model written with a unit, and its bound.
struct Quantity {
  std::string_view expected;  // for a value that is not text
  std::optional<double> (*parse)(std::string_view, std::string*);
  double max;
  std::string_view limit;  // "is too ...: the limit is <limit>"
};

inline constexpr Quantity kBandwidth{"expected a bandwidth such as 100Mbps, 1Gbps or 12.5MBps",
                                     util::parse_bandwidth, 1e15,
                                     "high: the limit is 1e15 bytes per second (8000Tbps)"};
inline constexpr Quantity kSize{"expected a size such as 60KB, 1.5MB or 64KiB", util::parse_bytes, 1e12,
                                "large: the limit is 1e12 bytes (1TB)"};
inline constexpr Quantity kWork{"expected a number of flops such as 2e8, 200Mf or 1.5Gf", util::parse_flops,
                                1e18, "large: the limit is 1e18 flops (1Ef)"};
inline constexpr Quantity kSpeed{"expected a speed such as 1Gf, 500Mf or 2.5Gf/s", util::parse_speed, 1e15,
                                 "high: the limit is 1e15 flop/s (1Pf)"};

// "a.b", "a[3]": key paths for messages.
std::string child(std::string_view path, std::string_view key);
std::string indexed(std::string_view path, std::size_t index);

// An InputError at `where`, the message prefixed with the key path.
[[noreturn]] void fail(const Location& where, std::string_view path, std::string_view message);

// A whole file, read only up to `limit` bytes: files in /proc and pipes
// report no size, so the read itself stops.
enum class ReadStatus { ok, too_large, failed };
ReadStatus read_capped(const std::filesystem::path& path, std::uint64_t limit, std::string& out);

class Reader {
 public:
  // `source` (without a byte order mark) must outlive the reader.
  Reader(std::string_view source, std::string file, const Limits& limits)
      : source_(source), file_(std::move(file)), limits_(limits) {}

  // The file's one YAML document: not empty, not several, and with its
  // aliases expanded no larger than the file-size limit. yaml-cpp's own
  // exceptions pass through (the caller locates them).
  YAML::Node document() const;

  const std::string& file() const { return file_; }
  const Limits& limits() const { return limits_; }

  Location at(const YAML::Mark& mark) const { return Location{file_, mark.line + 1, mark.column + 1}; }
  Location at(const YAML::Node& node) const { return at(node.Mark()); }
  // An empty value's mark is wherever the next token starts: point at its key.
  Location at(const Entry& entry) const {
    return entry.value.IsNull() ? at(entry.key_node) : at(entry.value);
  }

  // "<path>: <expected>, got <what the value is>" at the value.
  [[noreturn]] void fail_expected(const Entry& entry, std::string_view path, std::string_view expected) const;

  // A map's entries, keys as text and each once (null: none).
  std::vector<Entry> entries(const YAML::Node& node, const std::string& path, const Location& where,
                             std::string_view what) const;
  // Same, every key one of `allowed`.
  Fields fields(const YAML::Node& node, const std::string& path, const Location& where, std::string_view what,
                std::initializer_list<std::string_view> allowed) const;
  const Entry& required(const Fields& map, std::string_view key, std::string_view hint) const;

  std::string text(const Entry& entry, const std::string& path) const;
  // Seconds, at most kMaxTime; `positive`: more than zero.
  double duration(const Entry& entry, const std::string& path, bool positive) const;
  double number(const Entry& entry, const std::string& path, std::string_view expected) const;
  long long integer(const Entry& entry, const std::string& path, long long low, long long high) const;
  std::string choice(const Entry& entry, const std::string& path,
                     std::span<const std::string_view> options) const;
  std::string choice(const Entry& entry, const std::string& path, std::span<const std::string> options) const;
  // The entry's key as a canonical server key (scenario/text.hpp).
  std::string server_key(const Entry& entry, const std::string& path) const;
  // A canonical domain name.
  std::string domain(const YAML::Node& node, const Location& where, const std::string& path) const;
  double quantity(const Entry& entry, const std::string& path, const Quantity& q) const;

  // Zone text written in the scenario: YAML comments in a block scalar
  // become master-file comments; text_where() is where its line 1 sits.
  std::string zone_text(const Entry& entry, const std::string& path) const;
  Location text_where(const YAML::Node& node) const;

 private:
  bool is_block_scalar(const YAML::Node& node) const;
  void check_expanded_size(const YAML::Node& root) const;

  std::string_view source_;
  std::string file_;
  const Limits& limits_;
};

}  // namespace mxsim::scenario
