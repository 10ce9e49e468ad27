// Parameter sweeps: a grid over key paths into a scenario file, times a list
// of seeds, expanded into numbered points; the scenario text of each point;
// the CSV row each point becomes; and the merge of sharded CSV files. No
// processes here: `mxsim sweep` (app/sweep.cpp) runs the points.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "util/error.hpp"

namespace mxsim::sweep {

// One step of a key path: a map key or a list index.
struct Step {
  enum class Kind { key, index } kind = Kind::key;
  std::string key;
  std::size_t index = 0;
  bool quoted = false;  // ["a.b"]: the key as written, never split at dots
};

// Path syntax: keys separated by dots, [N] for the N-th item of a list
// (from 0), ["key"] or ['key'] for a key with dots in it:
//   senders[0].rate     servers["mx2.example.com"].sessions     report.bin
// An unquoted run of keys may also name a key with dots when that key exists:
// servers.mx2.example.com.sessions finds the key "mx2.example.com" (the
// longest existing key wins). Throws std::invalid_argument.
std::vector<Step> parse_path(const std::string& text);

// One swept parameter: its path as written and its values.
struct Parameter {
  std::string path;
  std::vector<Step> steps;
  std::vector<std::string> values;  // each value as YAML text
  std::vector<std::string> shown;   // each value as the CSV shows it
  util::Location where;
};

struct Point {
  std::size_t index = 0;
  std::vector<std::size_t> choice;  // index into each parameter's values
  std::optional<std::uint64_t> seed;
};

class Sweep {
 public:
  // Reads a sweep file (see README) and the scenario it names; throws
  // util::InputError at the offending key.
  static Sweep load_file(const std::string& path);
  static Sweep load_text(const std::string& text, const std::string& path);
  // A sweep of one key path over `values` (YAML scalars as text) times
  // `seeds`, without a sweep file (`mxsim size`). The path must lead to an
  // existing map in the scenario (only its last key may be missing); throws
  // util::InputError at `where` otherwise.
  static Sweep one_parameter(const std::string& scenario_path, const std::string& key_path, const util::Location& where,
                             const std::vector<std::string>& values, const std::vector<std::uint64_t>& seeds);

  std::size_t points() const;
  // Point i: the first parameter varies slowest, the seed fastest.
  Point point(std::size_t i) const;
  // The scenario file of a point as YAML text: the values set, `zone_file`
  // made absolute and `name` kept, so that the text runs from any directory.
  // Throws util::InputError when a path does not fit the scenario.
  std::string scenario_text(const Point& p) const;

  const std::string& file() const { return file_; }
  const std::string& scenario_path() const { return scenario_path_; }
  const std::vector<Parameter>& grid() const { return grid_; }
  const std::vector<std::uint64_t>& seeds() const { return seeds_; }
  // The scenario file's text as read, and a digest of the grid and the
  // seeds: with the mxsim version, what makes two shards one sweep.
  const std::string& scenario_sha256() const { return scenario_sha256_; }
  std::string grid_sha256() const;

 private:
  std::string file_;
  std::string scenario_path_;   // as resolved against the sweep file's directory
  std::string scenario_source_; // its text
  std::string scenario_sha256_; // of that text
  std::string scenario_dir_;    // absolute
  std::vector<Parameter> grid_;
  std::vector<std::uint64_t> seeds_;  // empty: the scenario's own seed
};

// `--shard K/N`: point i belongs to shard (i mod N) + 1, so that each shard
// gets a share of every part of the grid. Throws std::invalid_argument.
struct Shard {
  std::size_t k = 1, n = 1;
  bool contains(std::size_t point) const { return point % n == k - 1; }
};
Shard parse_shard(const std::string& text);

// The sweep CSV: point, points (the total, so that a merge can tell a
// missing shard), one column per parameter path, seed, status, then the
// summary's main fields, the fields' earlier names, and which sweep the row
// belongs to (mxsim version, scenario and grid digests). Status: ok,
// conservation (the run broke it), error (the run did not finish: fields empty).
std::string csv_header(const Sweep& sweep);
std::string csv_row(const Sweep& sweep, const Point& p, const std::string& status, const nlohmann::json* summary,
                    std::uint64_t seed);
// The summary field behind a CSV column name (delivery_p99_s, bounced...),
// as a JSON pointer such as "/latency_s/delivery/p99"; empty when no column has
// that name.
std::string column_pointer(const std::string& name);
// RFC 4180 quoting when the text needs it (util::csv_field).
std::string csv_field(const std::string& text);

// The last line of an interrupted sweep's file.
inline constexpr const char* kIncompleteMarker = "# incomplete:";

// Joins shard files into exactly the unsharded file. Throws MergeError.
struct MergeInput {
  std::string name;
  std::string text;
};
class MergeError : public std::runtime_error {
 public:
  MergeError(int exit_code, const std::string& message) : std::runtime_error(message), exit_code_(exit_code) {}
  // 1: the shards are not a whole sweep; 2: not sweep files, or shards of different sweeps
  int exit_code() const { return exit_code_; }

 private:
  int exit_code_;
};
std::string merge(const std::vector<MergeInput>& inputs);

}  // namespace mxsim::sweep
