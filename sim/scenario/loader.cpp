// Reads scenario files (docs/scenario-format.md) into the plain Scenario
// structs and checks them against their own zone. Every problem becomes a
// util::InputError at the file:line:column of the YAML node it concerns.
#include <arpa/inet.h>
#include <fmt/format.h>
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <sstream>
#include <system_error>
#include <vector>

#include "scenario/scenario.hpp"
#include "util/units.hpp"

namespace mxsim::scenario {
namespace {

constexpr double kMinEvery = 1.0;  // seconds

using util::InputError;

// Limits that keep a typo from turning into a run that never ends.
constexpr double kMaxTime = 365 * 86400.0;  // duration, horizon and event times
constexpr double kMaxRate = 1e7;            // messages per second in one sender group
constexpr long long kMaxMtas = std::numeric_limits<int>::max();  // the total: Limits::mtas
constexpr long long kMaxSessions = 1'000'000;
constexpr long long kMaxBacklog = 1'000'000;
constexpr long kMaxBins = 1'000'000;
constexpr double kMaxFactor = 1e6;              // slow events
constexpr double kMaxSigma = 10;                // lognormal: exp(sigma^2) beyond this overflows
constexpr long long kMaxCores = 1024;           // cpu.cores of one server
constexpr int kMaxOccurrences = 10'000;         // periodic events compared per pair...
constexpr long kOccurrenceBudget = 20'000'000;  // ...and over all pairs: beyond, trust the user

constexpr std::array<std::string_view, 5> kProfiles{"postfix", "exim", "sendmail", "opensmtpd",
                                                    "rfc5321"};

std::string join(std::span<const std::string_view> words) {
  std::string out;
  for (auto word : words) {
    if (!out.empty()) out += ", ";
    out += word;
  }
  return out;
}

// "text" with newlines and quotes escaped and long text cut, for messages.
std::string shown(std::string_view text) {
  constexpr std::size_t kMaxShown = 60;
  std::string out = "\"";
  for (std::size_t i = 0; i < text.size() && i < kMaxShown; ++i) {
    if (text[i] == '\n')
      out += "\\n";
    else if (text[i] == '"')
      out += "\\\"";
    else
      out += text[i];
  }
  if (text.size() > kMaxShown) out += "...";
  return out + "\"";
}

// yaml-cpp quotes the offending character in some messages, newlines included.
std::string printable(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\n')
      out += "\\n";
    else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F)
      out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
    else
      out += c;
  }
  return out;
}

std::string describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Scalar:
      return shown(node.Scalar());
    case YAML::NodeType::Sequence:
      return node.size() == 0 ? "an empty list" : "a list";
    case YAML::NodeType::Map:
      return node.size() == 0 ? "an empty map" : "a map";
    default:
      return "nothing";
  }
}

std::string child(std::string_view path, std::string_view key) {
  return path.empty() ? std::string(key) : fmt::format("{}.{}", path, key);
}

std::string indexed(std::string_view path, std::size_t index) {
  return fmt::format("{}[{}]", path, index);
}

// Lower case with a trailing dot: names in the scenario are always absolute.
std::string canonical_name(std::string_view text) {
  std::string name(text);
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (name.empty() || name.back() != '.') name += '.';
  return name;
}

bool plausible_name(std::string_view name) {
  if (name.size() < 2 || name.size() > 254) return false;
  if (name.find("..") != std::string_view::npos || name.front() == '.') return false;
  return std::none_of(name.begin(), name.end(), [](char c) {
    return std::isspace(static_cast<unsigned char>(c)) != 0 || c == '/' || c == '@';
  });
}

// Address text in the form inet_ntop prints, or nothing when `text` is not an address.
std::optional<std::string> canonical_address(const std::string& text) {
  unsigned char buffer[16];
  char out[INET6_ADDRSTRLEN];
  for (int family : {AF_INET, AF_INET6}) {
    if (inet_pton(family, text.c_str(), buffer) == 1 &&
        inet_ntop(family, buffer, out, sizeof out) != nullptr)
      return std::string(out);
  }
  return std::nullopt;
}

// A server key: address text, or a host name. Names always end with a dot,
// addresses never do, which is how the rest of the loader tells them apart.
std::string canonical_server_key(const std::string& text) {
  if (auto address = canonical_address(text)) return *address;
  return canonical_name(text);
}
bool is_address_key(std::string_view key) { return !key.empty() && key.back() != '.'; }

std::string yaml_comments_as_zone_comments(std::string text);

// A whole file, read only up to `limit` bytes: files in /proc and pipes
// report no size, so the read itself stops.
enum class ReadStatus { ok, too_large, failed };
ReadStatus read_capped(const std::filesystem::path& path, std::uint64_t limit, std::string& out) {
  out.clear();
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (!ec && size > limit) return ReadStatus::too_large;
  std::ifstream in(path, std::ios::binary);
  if (!in) return ReadStatus::failed;
  std::array<char, 1 << 16> buffer;
  while (in) {
    in.read(buffer.data(), buffer.size());
    out.append(buffer.data(), static_cast<std::size_t>(in.gcount()));
    if (out.size() > limit) return ReadStatus::too_large;
  }
  return in.bad() ? ReadStatus::failed : ReadStatus::ok;
}

// Where each document of a YAML text and its root node start, from the
// parser's events (load_unguarded() counts documents with it).
class DocumentRoots : public YAML::EventHandler {
 public:
  std::vector<YAML::Mark> starts;
  std::vector<YAML::Mark> roots;

  void OnDocumentStart(const YAML::Mark& mark) override { starts.push_back(mark); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t) override { node(mark); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override { node(mark); }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                const std::string&) override {
    node(mark);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    node(mark);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    node(mark);
  }
  void OnMapEnd() override {}

 private:
  void node(const YAML::Mark& mark) {
    if (roots.size() < starts.size()) roots.push_back(mark);
  }
};

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

// Something that must name a host, address or domain of the zone; checked
// once the zone is parsed, which is after all the YAML is read.
struct ZoneRef {
  enum class Kind { server, domain };
  Kind kind;
  std::string path;
  std::string name;  // canonical
  Location where;
};

// A fault window on one server (its addresses) or one link for the overlap check.
struct FaultWindow {
  std::size_t event;
  std::vector<dns::AddressId> addresses;  // sorted; empty for a link
};

// A quantity of the network session model written with a unit, and its bound.
struct Quantity {
  std::string_view expected;  // for a value that is not text
  std::optional<double> (*parse)(std::string_view, std::string*);
  double max;
  std::string_view limit;     // "is too ...: the limit is <limit>"
};

constexpr Quantity kBandwidth{"expected a bandwidth such as 100Mbps, 1Gbps or 12.5MBps",
                              util::parse_bandwidth, 1e15,
                              "high: the limit is 1e15 bytes per second (8000Tbps)"};
constexpr Quantity kSize{"expected a size such as 60KB, 1.5MB or 64KiB", util::parse_bytes, 1e12,
                         "large: the limit is 1e12 bytes (1TB)"};
constexpr Quantity kWork{"expected a number of flops such as 2e8, 200Mf or 1.5Gf",
                         util::parse_flops, 1e18, "large: the limit is 1e18 flops (1Ef)"};
constexpr Quantity kSpeed{"expected a speed such as 1Gf, 500Mf or 2.5Gf/s", util::parse_speed, 1e15,
                          "high: the limit is 1e15 flop/s (1Pf)"};

// An event target that, with a platform file, names a link of that file
// unless the zone knows it; decided once the zone is parsed.
struct PlatformTarget {
  std::size_t event;
  std::string text;       // as written: platform link names keep their case
  std::size_t ref;        // its entry in Loader::refs_
  Location fault_where;   // of the fault's value
};

class Loader {
 public:
  Loader(std::string_view text, std::string file, const Limits& limits)
      : source_(text), file_(std::move(file)), limits_(limits) {}

  // Any yaml-cpp exception becomes an InputError at its mark.
  Scenario load() {
    try {
      return load_unguarded();
    } catch (const YAML::Exception& e) {
      throw InputError(at(e.mark), fmt::format("YAML error: {}", printable(e.msg)));
    }
  }

 private:
  Scenario load_unguarded();
  Location at(const YAML::Mark& mark) const {
    return Location{file_, mark.line + 1, mark.column + 1};
  }
  Location at(const YAML::Node& node) const { return at(node.Mark()); }
  // An empty value's mark is wherever the next token starts: point at its key.
  Location at(const Entry& entry) const {
    return entry.value.IsNull() ? at(entry.key_node) : at(entry.value);
  }

  [[noreturn]] void fail(const Location& where, std::string_view path,
                         std::string_view message) const {
    throw InputError(where,
                     path.empty() ? std::string(message) : fmt::format("{}: {}", path, message));
  }
  [[noreturn]] void fail_expected(const Entry& entry, std::string_view path,
                                  std::string_view expected) const {
    fail(at(entry), path, fmt::format("{}, got {}", expected, describe(entry.value)));
  }

  std::vector<Entry> entries(const YAML::Node& node, const std::string& path, const Location& where,
                             std::string_view what) const;
  Fields fields(const YAML::Node& node, const std::string& path, const Location& where,
                std::string_view what, std::initializer_list<std::string_view> allowed) const;
  const Entry& required(const Fields& map, std::string_view key, std::string_view hint) const;

  std::string text(const Entry& entry, const std::string& path) const;
  double duration(const Entry& entry, const std::string& path, bool positive) const;
  double number(const Entry& entry, const std::string& path, std::string_view expected) const;
  long long integer(const Entry& entry, const std::string& path, long long low,
                    long long high) const;
  std::string choice(const Entry& entry, const std::string& path,
                     std::span<const std::string_view> options) const;
  std::string server_key(const Entry& entry, const std::string& path) const;
  std::string domain(const YAML::Node& node, const Location& where, const std::string& path) const;
  double quantity(const Entry& entry, const std::string& path, const Quantity& q) const;

  bool is_block_scalar(const YAML::Node& node) const;
  Location text_where(const YAML::Node& node) const;
  std::string zone_text(const Entry& entry, const std::string& path) const {
    std::string text_value = text(entry, path);
    return is_block_scalar(entry.value) ? yaml_comments_as_zone_comments(std::move(text_value))
                                        : text_value;
  }
  void read_header(const Fields& top, Scenario& scenario) const;
  void read_engine(const Fields& top, Scenario& scenario);
  void read_zone(const Fields& top, Scenario& scenario);
  void read_servers(const Entry& entry, Scenario& scenario);
  void read_senders(const Entry& entry, Scenario& scenario);
  void read_events(const Entry& entry, Scenario& scenario);
  ServerSpec read_server(const Entry& entry);
  // How one distribution's values are written: service times, flops, sizes.
  struct DistributionUnits {
    std::string_view what;       // "a duration": for "expected <what> or a map {dist, mean, sigma}"
    std::string_view mean_hint;  // for a missing mean
    double (Loader::*value)(const Entry&, const std::string&) const;
    double max;  // bound of a lognormal mean derived from its median
    std::string_view limit;
  };
  double service_time(const Entry& entry, const std::string& path) const {
    return duration(entry, path, true);
  }
  double work_flops(const Entry& entry, const std::string& path) const {
    return quantity(entry, path, kWork);
  }
  // A message has bytes to transfer; parse_bytes alone allows 0.
  double message_size(const Entry& entry, const std::string& path) const {
    const double bytes = quantity(entry, path, kSize);
    if (bytes <= 0) fail_expected(entry, path, "expected a positive size such as 60KB");
    return bytes;
  }
  Distribution read_distribution(const Entry& entry, const std::string& path,
                                 const DistributionUnits& units) const;
  LinkSpec read_link(const Entry& entry, const std::string& path) const;
  CpuSpec read_cpu(const Entry& entry, const std::string& path) const;
  SenderGroup read_sender(const YAML::Node& node, const std::string& path);
  void read_rtt(const Entry& entry, const std::string& path, SenderGroup& group);
  void read_to(const Entry& entry, const std::string& path, SenderGroup& group);
  void read_overrides(const Entry& entry, const std::string& path, SenderGroup& group) const;
  Event read_event(const YAML::Node& node, const std::string& path, const Scenario& scenario);
  void read_fault(const Fields& map, Event& event, const Scenario& scenario);
  void read_link_target(const Entry& target, const std::string& path, Event& event,
                        const Scenario& scenario) const;
  void check_link_fault(const Event& event, const Location& fault_where,
                        const std::string& fault_path) const;
  Report read_report(const Entry& entry, const Scenario& scenario) const;

  dns::ZoneDb parse_zones(const Scenario& scenario) const;
  void check_expanded_size(const YAML::Node& root) const;
  void check_report_rows(const Scenario& scenario, const dns::ZoneDb& db, const Fields& top) const;
  void resolve_platform_targets(Scenario& scenario, const dns::ZoneDb& db);
  void check_zone_refs(const Scenario& scenario, const dns::ZoneDb& db) const;
  void check_overlaps(const Scenario& scenario, const dns::ZoneDb& db) const;
  std::vector<dns::AddressId> addresses_of_key(const dns::ZoneDb& db, const std::string& key) const;

  std::string_view source_;
  std::string file_;
  const Limits& limits_;
  double duration_ = 0;             // scenario.duration, once read
  double rate_total_ = 0;           // of the sender groups read so far
  std::uint64_t mtas_total_ = 0;    // likewise
  std::vector<ZoneRef> refs_;
  std::vector<std::string> event_paths_;  // "events[i]", by event index
  std::string zone_key_;                  // zone or zone_file, for messages
  bool network_ = false;                  // engine: {sessions: network}
  bool platform_ = false;                 // platform: given
  std::vector<PlatformTarget> platform_targets_;
};

// --- maps and scalars --------------------------------------------------------

std::vector<Entry> Loader::entries(const YAML::Node& node, const std::string& path,
                                   const Location& where, std::string_view what) const {
  if (node.IsNull()) return {};
  if (!node.IsMap())
    fail(node.IsDefined() ? at(node) : where, path,
         fmt::format("expected {}, got {}", what, describe(node)));
  std::vector<Entry> out;
  std::map<std::string, int> first_line;
  for (const auto& item : node) {
    if (!item.first.IsScalar())
      fail(at(item.first), path,
           fmt::format("expected a key as text, got {}", describe(item.first)));
    Entry entry{item.first.Scalar(), item.first, item.second};
    const auto [seen, fresh] = first_line.emplace(entry.key, at(entry.key_node).line);
    if (!fresh)
      fail(at(entry.key_node), path,
           fmt::format("duplicate key {} (first at line {})", shown(entry.key), seen->second));
    out.push_back(std::move(entry));
  }
  return out;
}

Fields Loader::fields(const YAML::Node& node, const std::string& path, const Location& where,
                      std::string_view what,
                      std::initializer_list<std::string_view> allowed) const {
  Fields map{path, node.IsMap() ? at(node) : where, entries(node, path, where, what)};
  for (const auto& entry : map.entries) {
    if (std::find(allowed.begin(), allowed.end(), entry.key) == allowed.end())
      fail(at(entry.key_node), path,
           fmt::format("unknown key {}; allowed keys: {}", shown(entry.key),
                       join(std::span(allowed.begin(), allowed.size()))));
  }
  return map;
}

const Entry& Loader::required(const Fields& map, std::string_view key,
                              std::string_view hint) const {
  if (const Entry* entry = map.find(key)) return *entry;
  fail(map.where, map.path, fmt::format("missing key \"{}\" ({})", key, hint));
}

std::string Loader::text(const Entry& entry, const std::string& path) const {
  if (!entry.value.IsScalar()) fail_expected(entry, path, "expected text");
  return entry.value.Scalar();
}

double Loader::duration(const Entry& entry, const std::string& path, bool positive) const {
  if (!entry.value.IsScalar())
    fail_expected(entry, path, "expected a duration such as 30s, 5m, 2h or 4d");
  std::string why;
  const auto seconds = util::parse_duration(entry.value.Scalar(), &why);
  if (!seconds) fail_expected(entry, path, why);
  if (positive && *seconds <= 0)
    fail_expected(entry, path, "expected a positive duration such as 30s, 5m, 2h or 4d");
  if (*seconds > kMaxTime)
    fail(at(entry), path,
         fmt::format("{} is too long: the limit is 365d", shown(entry.value.Scalar())));
  return *seconds;
}

double Loader::number(const Entry& entry, const std::string& path,
                      std::string_view expected) const {
  if (!entry.value.IsScalar()) fail_expected(entry, path, expected);
  const std::string& raw = entry.value.Scalar();
  std::string_view digits = raw;
  if (!digits.empty() && digits.front() == '+') digits.remove_prefix(1);
  double value = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc() || end != digits.data() + digits.size() || !std::isfinite(value))
    fail_expected(entry, path, expected);
  return value;
}

long long Loader::integer(const Entry& entry, const std::string& path, long long low,
                          long long high) const {
  const auto expected = fmt::format("expected a whole number from {} to {}", low, high);
  if (!entry.value.IsScalar()) fail_expected(entry, path, expected);
  const std::string& raw = entry.value.Scalar();
  long long value = 0;
  const auto [end, ec] = std::from_chars(raw.data(), raw.data() + raw.size(), value);
  if (ec != std::errc() || end != raw.data() + raw.size() || value < low || value > high)
    fail_expected(entry, path, expected);
  return value;
}

std::string Loader::choice(const Entry& entry, const std::string& path,
                           std::span<const std::string_view> options) const {
  const auto expected = fmt::format("expected one of {}", join(options));
  if (!entry.value.IsScalar()) fail_expected(entry, path, expected);
  const std::string& value = entry.value.Scalar();
  if (std::find(options.begin(), options.end(), value) == options.end())
    fail_expected(entry, path, expected);
  return value;
}

std::string Loader::server_key(const Entry& entry, const std::string& path) const {
  const std::string key = canonical_server_key(entry.key);
  if (!is_address_key(key) && !plausible_name(key))
    fail(at(entry.key_node), path,
         fmt::format("{} is neither a host name nor an address", shown(entry.key)));
  return key;
}

std::string Loader::domain(const YAML::Node& node, const Location& where,
                           const std::string& path) const {
  if (!node.IsScalar())
    fail(where, path, fmt::format("expected a domain name, got {}", describe(node)));
  const std::string name = canonical_name(node.Scalar());
  if (!plausible_name(name))
    fail(where, path, fmt::format("{} is not a domain name", shown(node.Scalar())));
  return name;
}

double Loader::quantity(const Entry& entry, const std::string& path, const Quantity& q) const {
  if (!entry.value.IsScalar()) fail_expected(entry, path, q.expected);
  std::string why;
  const auto value = q.parse(entry.value.Scalar(), &why);
  if (!value) fail_expected(entry, path, why);
  if (*value > q.max)
    fail(at(entry), path, fmt::format("{} is too {}", shown(entry.value.Scalar()), q.limit));
  return *value;
}

// --- the zone ----------------------------------------------------------------

bool Loader::is_block_scalar(const YAML::Node& node) const {
  const YAML::Mark mark = node.Mark();
  const auto pos = static_cast<std::size_t>(mark.pos);
  return node.IsScalar() && mark.pos >= 0 && pos < source_.size() &&
         (source_[pos] == '|' || source_[pos] == '>');
}

// Inside a YAML block scalar `# note` is text, yet people (and the contract's
// own example) write it as a comment. A '#' that starts a word outside quotes
// becomes ';', the master-file comment, so lines and columns stay the same.
std::string yaml_comments_as_zone_comments(std::string text) {
  bool quoted = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n') {
      quoted = false;
    } else if (c == '\\') {
      ++i;
    } else if (c == '"') {
      quoted = !quoted;
    } else if (c == ';' && !quoted) {
      i = std::min(text.find('\n', i), text.size()) - 1;  // already a comment
    } else if (c == '#' && !quoted &&
               (i == 0 || std::isspace(static_cast<unsigned char>(text[i - 1])) != 0)) {
      text[i] = ';';
      i = std::min(text.find('\n', i), text.size()) - 1;
    }
  }
  return text;
}

// Where line 1 of a zone text sits in the file. A block scalar (`|`, `>`)
// starts on the line after its indicator, at the block's indentation; a
// quoted or plain scalar starts at its own mark.
Location Loader::text_where(const YAML::Node& node) const {
  if (!is_block_scalar(node)) return at(node);
  const YAML::Mark mark = node.Mark();
  const auto pos = static_cast<std::size_t>(mark.pos);
  std::size_t line_start = source_.find('\n', pos);
  Location where{file_, mark.line + 2, 1};
  // The indentation is that of the first line with text (blank lines may come first).
  while (line_start != std::string_view::npos) {
    ++line_start;
    const std::size_t line_end = std::min(source_.find('\n', line_start), source_.size());
    const std::string_view line = source_.substr(line_start, line_end - line_start);
    const std::size_t indent = line.find_first_not_of(' ');
    if (indent != std::string_view::npos && line.substr(indent) != "\r") {
      where.column = static_cast<int>(indent) + 1;
      break;
    }
    line_start = source_.find('\n', line_start);
  }
  return where;
}

void Loader::read_zone(const Fields& top, Scenario& scenario) {
  const Entry* zone = top.find("zone");
  const Entry* zone_file = top.find("zone_file");
  if (zone != nullptr && zone_file != nullptr) {
    const Entry& later =
        at(zone->key_node).line > at(zone_file->key_node).line ? *zone : *zone_file;
    fail(at(later.key_node), "", "zone and zone_file are both given; keep one of them");
  }
  zone_key_ = zone != nullptr ? "zone" : "zone_file";
  if (zone != nullptr) {
    scenario.zone_text = zone_text(*zone, "zone");
    scenario.zone_where = text_where(zone->value);
    return;
  }
  if (zone_file == nullptr)
    fail(top.where, "", "missing key \"zone\" (the zone's master-file text) or \"zone_file\"");

  const std::string name = text(*zone_file, "zone_file");
  namespace fs = std::filesystem;
  const fs::path resolved = (fs::path(file_).parent_path() / name).lexically_normal();
  std::error_code ec;
  if (!fs::is_regular_file(resolved, ec))
    fail(at(*zone_file), "zone_file",
         fmt::format("cannot read {} (looked for {}): {}", shown(name), resolved.string(),
                     ec ? ec.message() : "no such file"));
  switch (read_capped(resolved, limits_.file_size, scenario.zone_text)) {
    case ReadStatus::ok:
      break;
    case ReadStatus::too_large:
      fail(at(*zone_file), "zone_file",
           fmt::format("{} is too large: {}", shown(name), limit_note(limits_, "file_size")));
    case ReadStatus::failed:
      fail(at(*zone_file), "zone_file",
           fmt::format("cannot read {} (looked for {})", shown(name), resolved.string()));
  }
  scenario.zone_where = Location{resolved.string(), 1, 1};
}

// --- servers -----------------------------------------------------------------

Distribution Loader::read_distribution(const Entry& entry, const std::string& path,
                                       const DistributionUnits& units) const {
  if (entry.value.IsScalar())
    return Distribution{Distribution::Kind::constant, (this->*units.value)(entry, path), 0.0};
  const Fields map = fields(entry.value, path, at(entry),
                            fmt::format("{} or a map {{dist, mean, sigma}}", units.what),
                            {"dist", "mean", "median", "sigma"});
  static constexpr std::array<std::string_view, 3> kDists{"constant", "exponential", "lognormal"};
  const std::string dist = choice(required(map, "dist", "constant, exponential or lognormal"),
                                  child(path, "dist"), kDists);
  Distribution out;
  out.kind = dist == "constant"      ? Distribution::Kind::constant
             : dist == "exponential" ? Distribution::Kind::exponential
                                     : Distribution::Kind::lognormal;
  const bool lognormal = out.kind == Distribution::Kind::lognormal;
  const Entry* sigma = map.find("sigma");
  if (lognormal && sigma == nullptr)
    fail(map.where, path, "missing key \"sigma\" (lognormal needs its shape, e.g. sigma: 0.5)");
  if (!lognormal && sigma != nullptr)
    fail(at(sigma->key_node), path, "sigma applies only to dist: lognormal");
  if (sigma != nullptr) {
    const auto sigma_path = child(path, "sigma");
    out.sigma = number(*sigma, sigma_path, "expected a number >= 0");
    if (out.sigma < 0) fail_expected(*sigma, sigma_path, "expected a number >= 0");
    if (out.sigma > kMaxSigma)
      fail(at(*sigma), sigma_path, fmt::format("at most {} is supported", kMaxSigma));
  }
  // A lognormal may be given by its median, exp(mu), which people measure
  // more readily than the mean; Distribution keeps the mean either way.
  const Entry* median = map.find("median");
  if (median != nullptr && !lognormal)
    fail(at(median->key_node), path, "median applies only to dist: lognormal; write mean");
  if (median != nullptr && map.find("mean") != nullptr)
    fail(at(median->key_node), path, "mean and median are both given; keep one of them");
  if (median == nullptr) {
    out.mean = (this->*units.value)(
        required(map, "mean",
                 lognormal ? fmt::format("{}, or median", units.mean_hint) : units.mean_hint),
        child(path, "mean"));
    return out;
  }
  const auto median_path = child(path, "median");
  const double value = (this->*units.value)(*median, median_path);
  out.mean = value * std::exp(out.sigma * out.sigma / 2);
  if (out.mean > units.max)
    fail(at(*median), median_path,
         fmt::format("with sigma {:g} the mean is {:.3g}, too {}", out.sigma, out.mean, units.limit));
  return out;
}

LinkSpec Loader::read_link(const Entry& entry, const std::string& path) const {
  if (platform_)
    fail(at(entry.key_node), path,
         "describe links in the platform file: with platform: given, the scenario names no links");
  const Fields map = fields(entry.value, path, at(entry), "a map {bandwidth, latency}",
                            {"bandwidth", "latency"});
  LinkSpec link;
  link.where = at(entry);
  link.bandwidth = quantity(
      required(map, "bandwidth", "bytes or bits per second, e.g. bandwidth: 100Mbps"),
      child(path, "bandwidth"), kBandwidth);
  if (const Entry* e = map.find("latency")) link.latency = duration(*e, child(path, "latency"), false);
  return link;
}

CpuSpec Loader::read_cpu(const Entry& entry, const std::string& path) const {
  const Fields map = fields(entry.value, path, at(entry), "a map {cores, speed}", {"cores", "speed"});
  CpuSpec cpu;
  cpu.where = at(entry);
  if (const Entry* e = map.find("cores"))
    cpu.cores = static_cast<int>(integer(*e, child(path, "cores"), 1, kMaxCores));
  cpu.speed = quantity(required(map, "speed", "flop/s of each core, e.g. speed: 1Gf"),
                       child(path, "speed"), kSpeed);
  return cpu;
}

ServerSpec Loader::read_server(const Entry& entry) {
  ServerSpec spec;
  spec.key = server_key(entry, "servers");
  spec.where = at(entry.key_node);
  const std::string path = fmt::format("servers[{}]", shown(entry.key));
  const Fields map = fields(entry.value, path, at(entry), "a map of server settings",
                            {"sessions", "backlog", "weight", "overflow", "service", "role", "relay",
                             "greylist", "reject", "uplink", "cpu", "work"});
  if (const Entry* e = map.find("sessions"))
    spec.sessions = static_cast<int>(integer(*e, child(path, "sessions"), 1, kMaxSessions));
  if (const Entry* e = map.find("backlog"))
    spec.backlog = static_cast<int>(integer(*e, child(path, "backlog"), 0, kMaxBacklog));
  if (const Entry* e = map.find("weight")) {
    constexpr double kMaxWeight = 1e6;  // weights are relative: a million to one is plenty
    const auto weight_path = child(path, "weight");
    const auto expected = fmt::format("expected a number greater than 0 and at most {}", kMaxWeight);
    spec.weight = number(*e, weight_path, expected);
    if (spec.weight <= 0 || spec.weight > kMaxWeight) fail_expected(*e, weight_path, expected);
  }
  if (const Entry* e = map.find("overflow")) {
    static constexpr std::array<std::string_view, 2> kOverflows{"tempfail", "drop"};
    spec.overflow = choice(*e, child(path, "overflow"), kOverflows) == "drop" ? Overflow::drop
                                                                              : Overflow::tempfail;
  }
  if (const Entry* e = map.find("service")) {
    static constexpr DistributionUnits kServiceUnits{
        "a duration", "the mean service time, e.g. mean: 200ms", &Loader::service_time, kMaxTime,
        "long: the limit is 365d"};
    spec.service = read_distribution(*e, child(path, "service"), kServiceUnits);
  }
  if (const Entry* e = map.find("role")) {
    static constexpr std::array<std::string_view, 2> kRoles{"final", "relay"};
    spec.role = choice(*e, child(path, "role"), kRoles) == "relay" ? Role::relay : Role::final;
  }
  const Entry* relay = map.find("relay");
  if (relay != nullptr) {
    if (spec.role != Role::relay)
      fail(at(relay->key_node), path, "relay settings need role: relay");
    const auto relay_path = child(path, "relay");
    const Fields relay_map =
        fields(relay->value, relay_path, at(*relay), "a map {profile, rtt}", {"profile", "rtt"});
    spec.relay_profile =
        choice(required(relay_map, "profile", "the MTA profile the relay forwards with"),
               child(relay_path, "profile"), kProfiles);
    if (const Entry* e = relay_map.find("rtt")) spec.relay_rtt = duration(*e, child(relay_path, "rtt"), false);
  } else if (spec.role == Role::relay) {
    fail(map.where, path,
         "role relay needs relay: {profile: NAME}, the MTA profile it forwards with");
  }
  if (const Entry* e = map.find("greylist")) {
    const auto gl_path = child(path, "greylist");
    const Fields gl = fields(e->value, gl_path, at(*e), "a map {delay, window, key}", {"delay", "window", "key"});
    ServerSpec::Greylist greylist;
    if (const Entry* d = gl.find("delay")) greylist.delay = duration(*d, child(gl_path, "delay"), false);
    if (const Entry* w = gl.find("window")) greylist.window = duration(*w, child(gl_path, "window"), true);
    if (greylist.window <= greylist.delay)
      fail(gl.where, gl_path, "window must be longer than delay: retries are accepted between the two");
    if (const Entry* k = gl.find("key")) {
      static constexpr std::array<std::string_view, 2> kKeys{"mta-domain", "message"};
      greylist.key = choice(*k, child(gl_path, "key"), kKeys) == "message" ? ServerSpec::Greylist::Key::message
                                                                           : ServerSpec::Greylist::Key::mta_domain;
    }
    spec.greylist = greylist;
  }
  if (const Entry* e = map.find("reject")) {
    const auto rj_path = child(path, "reject");
    const Fields rj = fields(e->value, rj_path, at(*e), "a map {fraction, code}", {"fraction", "code"});
    const Entry& fraction = required(rj, "fraction", "the share of sessions rejected, e.g. fraction: 0.01");
    spec.reject_fraction = number(fraction, child(rj_path, "fraction"), "expected a number from 0 to 1");
    if (!(spec.reject_fraction >= 0 && spec.reject_fraction <= 1))
      fail_expected(fraction, child(rj_path, "fraction"), "expected a number from 0 to 1");
    if (const Entry* c = rj.find("code"))
      spec.reject_code = static_cast<int>(integer(*c, child(rj_path, "code"), 500, 599));
  }
  if (const Entry* e = map.find("uplink")) spec.uplink = read_link(*e, child(path, "uplink"));
  const Entry* cpu = map.find("cpu");
  const Entry* work = map.find("work");
  if (cpu != nullptr && work == nullptr)
    fail(at(cpu->key_node), path,
         "missing key \"work\" (cpu needs the flops each message costs, e.g. work: 200Mf)");
  if (work != nullptr && cpu == nullptr)
    fail(at(work->key_node), path,
         "missing key \"cpu\" (work needs processors to run on, e.g. cpu: {cores: 8, speed: 1Gf})");
  if (cpu != nullptr) {
    static constexpr DistributionUnits kWorkUnits{"a number of flops such as 200Mf",
                                                  "the mean flops per message, e.g. mean: 200Mf",
                                                  &Loader::work_flops, kWork.max, kWork.limit};
    spec.cpu = read_cpu(*cpu, child(path, "cpu"));
    spec.work = read_distribution(*work, child(path, "work"), kWorkUnits);
  }
  refs_.push_back({ZoneRef::Kind::server, "servers", spec.key, spec.where});
  return spec;
}

// --- senders -----------------------------------------------------------------

void Loader::read_rtt(const Entry& entry, const std::string& path, SenderGroup& group) {
  if (!entry.value.IsMap()) {
    group.rtt = duration(entry, path, false);
    return;
  }
  for (const auto& item : entries(entry.value, path, at(entry), "a duration or a map")) {
    if (item.key == "default") {
      group.rtt = duration(item, child(path, "default"), false);
      continue;
    }
    const std::string key = server_key(item, path);
    const auto item_path = fmt::format("{}[{}]", path, shown(item.key));
    if (!group.rtt_by_server.emplace(key, duration(item, item_path, false)).second)
      fail(at(item.key_node), path, fmt::format("{} is given twice", shown(key)));
    refs_.push_back({ZoneRef::Kind::server, path, key, at(item.key_node)});
  }
}

void Loader::read_to(const Entry& entry, const std::string& path, SenderGroup& group) {
  if (entry.value.IsScalar()) {
    const std::string name = domain(entry.value, at(entry), path);
    group.to.emplace_back(name, 1.0);
    refs_.push_back({ZoneRef::Kind::domain, path, name, at(entry)});
    return;
  }
  if (!entry.value.IsMap())
    fail_expected(entry, path, "expected a domain or a map of domains to weights");
  std::set<std::string> seen;  // names differ from keys only in case and the final dot
  for (const auto& item : entries(entry.value, path, at(entry), "a map of domains to weights")) {
    const std::string name = domain(item.key_node, at(item.key_node), path);
    const auto item_path = fmt::format("{}[{}]", path, shown(item.key));
    const double weight = number(item, item_path, "expected a positive weight");
    if (weight <= 0) fail_expected(item, item_path, "expected a positive weight");
    if (!seen.insert(name).second)
      fail(at(item.key_node), path, fmt::format("{} is given twice", shown(name)));
    group.to.emplace_back(name, weight);
    refs_.push_back({ZoneRef::Kind::domain, path, name, at(item.key_node)});
  }
  if (group.to.empty()) fail(at(entry), path, "expected at least one recipient domain");
}

void Loader::read_overrides(const Entry& entry, const std::string& path, SenderGroup& group) const {
  group.overrides_where = at(entry);
  for (const auto& item : entries(entry.value, path, at(entry), "a map of profile parameters")) {
    const auto item_path = child(path, item.key);
    if (!item.value.IsScalar())
      fail_expected(item, item_path, "expected a duration such as 30s or a number");
    std::string why;
    const auto value = util::parse_duration(item.value.Scalar(), &why);
    if (!value) fail_expected(item, item_path, "expected a duration such as 30s or a number");
    if (*value > kMaxTime)
      fail(at(item), item_path,
           fmt::format("{} is too long: the limit is 365d", shown(item.value.Scalar())));
    group.overrides.emplace_back(item.key, *value);
  }
}

SenderGroup Loader::read_sender(const YAML::Node& node, const std::string& path) {
  const Fields map =
      fields(node, path, at(node), "a map of sender settings",
             {"name", "mtas", "profile", "selection", "rate", "rtt", "to", "overrides", "dns_latency",
              "link", "size"});
  SenderGroup group;
  group.where = at(node);
  const Entry& name = required(map, "name", "a name for this sender group");
  group.name = text(name, child(path, "name"));
  if (group.name.empty()) fail_expected(name, child(path, "name"), "expected a non-empty name");
  if (const Entry* e = map.find("mtas"))
    group.mtas = static_cast<int>(integer(*e, child(path, "mtas"), 1, kMaxMtas));
  mtas_total_ += static_cast<std::uint64_t>(group.mtas);
  if (mtas_total_ > limits_.mtas)
    fail(map.find("mtas") != nullptr ? at(*map.find("mtas")) : group.where, child(path, "mtas"),
         fmt::format("{} MTAs in all sender groups together: {}", mtas_total_,
                     limit_note(limits_, "mtas")));
  if (const Entry* e = map.find("profile"))
    group.profile = choice(*e, child(path, "profile"), kProfiles);
  if (const Entry* e = map.find("selection")) group.selection = text(*e, child(path, "selection"));

  const Entry& rate = required(map, "rate", "messages per unit of time, e.g. rate: 20/s");
  const auto rate_path = child(path, "rate");
  if (!rate.value.IsScalar()) fail_expected(rate, rate_path, "expected a rate such as 20/s");
  std::string why;
  const auto per_second = util::parse_rate(rate.value.Scalar(), &why);
  if (!per_second) fail_expected(rate, rate_path, why);
  if (*per_second <= 0) fail_expected(rate, rate_path, "expected a positive rate such as 20/s");
  if (*per_second > kMaxRate)
    fail(at(rate), rate_path,
         fmt::format("{} is too high: the limit is 1e7/s", shown(rate.value.Scalar())));
  group.rate = *per_second;
  rate_total_ += group.rate;
  if (rate_total_ * duration_ > static_cast<double>(limits_.messages))
    fail(at(rate), rate_path,
         fmt::format("all sender groups together would send about {:.3g} messages in {}: {}",
                     rate_total_ * duration_, util::format_duration(duration_),
                     limit_note(limits_, "messages")));

  if (const Entry* e = map.find("rtt")) read_rtt(*e, child(path, "rtt"), group);
  if (const Entry* e = map.find("dns_latency")) group.dns_latency = duration(*e, child(path, "dns_latency"), false);
  read_to(required(map, "to", "recipient domains, e.g. to: {example.com: 1}"), child(path, "to"),
          group);
  if (const Entry* e = map.find("overrides")) read_overrides(*e, child(path, "overrides"), group);
  if (const Entry* e = map.find("link")) group.link = read_link(*e, child(path, "link"));
  if (const Entry* e = map.find("size")) {
    static constexpr DistributionUnits kSizeUnits{"a size such as 60KB",
                                                  "the mean message size, e.g. mean: 60KB",
                                                  &Loader::message_size, kSize.max, kSize.limit};
    group.size = read_distribution(*e, child(path, "size"), kSizeUnits);
    group.size_where = at(*e);
  } else if (network_) {
    fail(group.where, path,
         "missing key \"size\": size is required with engine: {sessions: network}: the DATA "
         "transfer needs a message size, e.g. size: 60KB");
  }
  return group;
}

// --- events ------------------------------------------------------------------

// `uplink:SERVER-KEY` or `link:SENDER-GROUP`: a link the scenario describes.
void Loader::read_link_target(const Entry& target, const std::string& path, Event& event,
                              const Scenario& scenario) const {
  const std::string& raw = target.value.Scalar();
  if (platform_)
    fail(at(target), path,
         fmt::format("{}: uplink: and link: name links the scenario describes; with platform: "
                     "given, name a link of the platform file",
                     shown(raw)));
  event.on_link = true;
  constexpr std::string_view kUplink = "uplink:";
  if (raw.starts_with(kUplink)) {
    const std::string text = raw.substr(kUplink.size());
    const std::string key = canonical_server_key(text);
    const auto spec = std::find_if(scenario.servers.begin(), scenario.servers.end(),
                                   [&](const ServerSpec& s) { return s.key == key; });
    if (spec == scenario.servers.end())
      fail(at(target), path,
           fmt::format("{} names no entry of servers (uplink: is followed by a server key)",
                       shown(raw)));
    if (!spec->uplink)
      fail(at(target), path,
           fmt::format("{}: servers[{}] at line {} has no uplink", shown(raw), shown(spec->key),
                       spec->where.line));
    event.target = std::string(kUplink) + key;
    return;
  }
  const std::string name = raw.substr(raw.find(':') + 1);
  const auto group = std::find_if(scenario.senders.begin(), scenario.senders.end(),
                                  [&](const SenderGroup& g) { return g.name == name; });
  if (group == scenario.senders.end())
    fail(at(target), path,
         fmt::format("{} names no sender group (link: is followed by a sender group's name)",
                     shown(raw)));
  if (!group->link)
    fail(at(target), path,
         fmt::format("{}: sender group {} at line {} has no link", shown(raw), shown(group->name),
                     group->where.line));
  event.target = raw;
}

// Only down and degrade apply to a link, and degrade only to a link.
void Loader::check_link_fault(const Event& event, const Location& fault_where,
                              const std::string& fault_path) const {
  if (event.on_link && event.fault != Fault::down && event.fault != Fault::degrade)
    fail(fault_where, fault_path,
         fmt::format("{} applies to servers; a link ({}) can only be down or degrade",
                     event.fault == Fault::refuse     ? "refuse"
                     : event.fault == Fault::tempfail ? "tempfail"
                                                      : "slow",
                     shown(event.target)));
  if (!event.on_link && event.fault == Fault::degrade)
    fail(fault_where, fault_path,
         fmt::format("degrade applies to links, and {} is a server; write target: uplink:SERVER "
                     "or link:SENDER-GROUP",
                     shown(event.target)));
}

void Loader::read_fault(const Fields& map, Event& event, const Scenario& scenario) {
  const Entry* target = map.find("target");
  const Entry* dns_domain = map.find("dns");
  const Entry* zone = map.find("zone");
  const Entry* fault = map.find("fault");
  const Entry* factor = map.find("factor");
  const int kinds = (target != nullptr) + (dns_domain != nullptr) + (zone != nullptr);
  if (kinds != 1)
    fail(map.where, map.path,
         "expected exactly one of target (a server or link fault), dns (a DNS fault) or zone (a zone "
         "update)");
  if (factor != nullptr &&
      (fault == nullptr || !fault->value.IsScalar() ||
       (fault->value.Scalar() != "slow" && fault->value.Scalar() != "degrade")))
    fail(at(factor->key_node), map.path, "factor applies only to fault: slow or degrade");

  if (zone != nullptr) {
    if (fault != nullptr) fail(at(fault->key_node), map.path, "a zone update takes no fault");
    if (map.find("for") != nullptr || map.find("every") != nullptr)
      fail(map.where, map.path, "a zone update happens once: for and every do not apply");
    event.fault = Fault::zone_update;
    event.zone_text = zone_text(*zone, child(map.path, "zone"));
    event.zone_where = text_where(zone->value);
    return;
  }
  if (dns_domain != nullptr) {
    const auto path = child(map.path, "dns");
    event.target = domain(dns_domain->value, at(*dns_domain), path);
    refs_.push_back({ZoneRef::Kind::domain, path, event.target, at(*dns_domain)});
    static constexpr std::array<std::string_view, 1> kDnsFaults{"servfail"};
    choice(required(map, "fault", "fault: servfail"), child(map.path, "fault"), kDnsFaults);
    event.fault = Fault::servfail;
    return;
  }
  const auto path = child(map.path, "target");
  const auto fault_path = child(map.path, "fault");
  const Entry& fault_entry = required(map, "fault", "down, refuse, tempfail, slow or degrade");
  if (fault_entry.value.IsScalar() && fault_entry.value.Scalar() == "servfail")
    fail(at(fault_entry), fault_path,
         "servfail is a DNS fault: write dns: DOMAIN instead of target");
  static constexpr std::array<std::string_view, 5> kFaults{"down", "refuse", "tempfail", "slow",
                                                           "degrade"};
  const std::string kind = choice(fault_entry, fault_path, kFaults);
  event.fault = kind == "down"       ? Fault::down
                : kind == "refuse"   ? Fault::refuse
                : kind == "tempfail" ? Fault::tempfail
                : kind == "slow"     ? Fault::slow
                                     : Fault::degrade;
  if (!target->value.IsScalar())
    fail_expected(*target, path, "expected a host name, an address, uplink:SERVER or link:GROUP");
  const std::string& raw = target->value.Scalar();
  if (raw.starts_with("uplink:") || raw.starts_with("link:")) {
    read_link_target(*target, path, event, scenario);
    check_link_fault(event, at(fault_entry), fault_path);
  } else {
    const std::string key = canonical_server_key(raw);
    if (platform_ && !is_address_key(key) && !plausible_name(key)) {
      // Not a host name, so only a link of the platform file (the engine checks it).
      event.target = raw;
      event.on_link = true;
      check_link_fault(event, at(fault_entry), fault_path);
    } else {
      const Entry as_key{raw, target->value, target->value};
      event.target = server_key(as_key, path);
      refs_.push_back({ZoneRef::Kind::server, path, event.target, at(*target)});
      // With a platform file the zone decides, once parsed, whether this is a
      // server or a link of that file (resolve_platform_targets).
      if (platform_)
        platform_targets_.push_back(
            {event_paths_.size() - 1, raw, refs_.size() - 1, at(fault_entry)});
      else
        check_link_fault(event, at(fault_entry), fault_path);
    }
  }
  if (event.fault == Fault::slow) {
    const auto factor_path = child(map.path, "factor");
    if (factor == nullptr)
      fail(map.where, map.path, "fault slow needs factor: N, how many times longer service takes");
    event.factor = number(*factor, factor_path, "expected a positive number");
    if (event.factor <= 0) fail_expected(*factor, factor_path, "expected a positive number");
    if (event.factor > kMaxFactor)
      fail(at(*factor), factor_path, fmt::format("at most {:g} is supported", kMaxFactor));
  }
  if (event.fault == Fault::degrade) {
    const auto factor_path = child(map.path, "factor");
    constexpr std::string_view kExpected = "expected a number greater than 0 and at most 1";
    if (factor == nullptr)
      fail(map.where, map.path,
           "fault degrade needs factor: F, the share of the link's bandwidth left (0 < F <= 1)");
    event.factor = number(*factor, factor_path, kExpected);
    if (!(event.factor > 0 && event.factor <= 1)) fail_expected(*factor, factor_path, kExpected);
  }
}

Event Loader::read_event(const YAML::Node& node, const std::string& path,
                         const Scenario& scenario) {
  const Fields map =
      fields(node, path, at(node), "a map such as {at: 30m, for: 1h, target: HOST, fault: down}",
             {"at", "for", "every", "target", "dns", "zone", "fault", "factor"});
  Event event;
  event.where = at(node);
  event.at =
      duration(required(map, "at", "when it happens, e.g. at: 30m"), child(path, "at"), false);
  if (const Entry* e = map.find("for")) event.length = duration(*e, child(path, "for"), true);
  if (const Entry* e = map.find("every")) {
    event.every = duration(*e, child(path, "every"), true);
    // A floor keeps a flapping fault from flooding the run with events.
    if (*event.every < kMinEvery)
      fail(at(e->value), child(path, "every"),
           fmt::format("a periodic event repeats at most once a second (limit: every >= 1s), got {}",
                       util::format_duration(*event.every)));
    if (map.find("for") == nullptr)
      fail(at(e->key_node), path, "a periodic event needs for: how long each occurrence lasts");
    if (event.length >= *event.every)
      fail(at(map.find("for")->value), child(path, "for"),
           fmt::format(
               "each occurrence must end before the next: for ({}) must be shorter than every ({})",
               util::format_duration(event.length), util::format_duration(*event.every)));
  }
  read_fault(map, event, scenario);
  return event;
}

// --- report ------------------------------------------------------------------

Report Loader::read_report(const Entry& entry, const Scenario& scenario) const {
  const Fields map =
      fields(entry.value, "report", at(entry), "a map {bin, percentiles}", {"bin", "percentiles"});
  Report report;
  if (const Entry* bin = map.find("bin")) {
    report.bin = duration(*bin, "report.bin", true);
    const double span = scenario.horizon.value_or(scenario.duration);
    if (span / report.bin > kMaxBins)
      fail(at(*bin), "report.bin",
           fmt::format("{} makes more than {} bins over {}; use a wider bin", bin->value.Scalar(),
                       kMaxBins, util::format_duration(span)));
  }
  if (const Entry* list = map.find("percentiles")) {
    if (!list->value.IsSequence() || list->value.size() == 0)
      fail_expected(*list, "report.percentiles", "expected a list of numbers such as [50, 90, 99]");
    report.percentiles.clear();
    std::size_t i = 0;
    for (const auto& item : list->value) {
      const auto path = indexed("report.percentiles", i++);
      const Entry as_entry{"", item, item};
      const double p = number(as_entry, path, "expected a number between 0 and 100 (exclusive)");
      if (p <= 0 || p >= 100)
        fail_expected(as_entry, path, "expected a number between 0 and 100 (exclusive)");
      report.percentiles.push_back(p);
    }
  }
  return report;
}

// --- checks against the zone -------------------------------------------------

// As build_zone(), with the key of the text that failed in the message.
dns::ZoneDb Loader::parse_zones(const Scenario& scenario) const {
  auto keyed = [](const InputError& e, std::string_view key) {
    return InputError(e.where(), fmt::format("{}: {}", key, e.message()));
  };
  std::optional<dns::ZoneDb> db;
  try {
    db = dns::ZoneDb::parse(scenario.zone_text, scenario.zone_where,
                            {limits_.zone_records, limits_.addresses});
  } catch (const InputError& e) {
    throw keyed(e, zone_key_);
  }
  for (std::size_t i = 0; i < scenario.events.size(); ++i) {
    const Event& event = scenario.events[i];
    if (event.fault != Fault::zone_update) continue;
    try {
      db->add_update(event.zone_text, event.zone_where);
    } catch (const InputError& e) {
      throw keyed(e, child(event_paths_[i], "zone"));
    }
  }
  return std::move(*db);
}

std::vector<dns::AddressId> Loader::addresses_of_key(const dns::ZoneDb& db,
                                                     const std::string& key) const {
  std::vector<dns::AddressId> out;
  if (is_address_key(key)) {
    if (const auto id = db.find_address(key); id != dns::kNoName) out.push_back(id);
  } else if (const auto name = db.find_name(key); name != dns::kNoName) {
    out = db.addresses_of(name);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// With a platform file, a target the zone does not know names a link of that
// file: it leaves the zone references, and the engine checks the name.
void Loader::resolve_platform_targets(Scenario& scenario, const dns::ZoneDb& db) {
  std::vector<bool> dropped(refs_.size(), false);
  for (const auto& candidate : platform_targets_) {
    Event& event = scenario.events[candidate.event];
    const bool in_zone = is_address_key(event.target)
                             ? db.find_address(event.target) != dns::kNoName
                             : db.find_name(event.target) != dns::kNoName;
    if (!in_zone) {
      event.target = candidate.text;
      event.on_link = true;
      dropped[candidate.ref] = true;
    }
    check_link_fault(event, candidate.fault_where, child(event_paths_[candidate.event], "fault"));
  }
  std::vector<ZoneRef> kept;
  for (std::size_t i = 0; i < refs_.size(); ++i)
    if (!dropped[i]) kept.push_back(std::move(refs_[i]));
  refs_ = std::move(kept);
}

void Loader::check_zone_refs(const Scenario& scenario, const dns::ZoneDb& db) const {
  for (const auto& ref : refs_) {
    if (ref.kind == ZoneRef::Kind::domain) {
      if (db.find_name(ref.name) == dns::kNoName)
        fail(ref.where, ref.path, fmt::format("{} is not a name in the zone", shown(ref.name)));
    } else if (addresses_of_key(db, ref.name).empty()) {
      const bool known = !is_address_key(ref.name) && db.find_name(ref.name) != dns::kNoName;
      fail(ref.where, ref.path,
           known ? fmt::format("{} owns no address (A or AAAA) in the zone", shown(ref.name))
                 : fmt::format("{} names no host or address in the zone", shown(ref.name)));
    }
  }
  // Two entries for one address would give one server two configurations.
  std::map<dns::AddressId, const ServerSpec*> configured;
  for (const auto& spec : scenario.servers) {
    for (const auto address : addresses_of_key(db, spec.key)) {
      const auto [it, fresh] = configured.emplace(address, &spec);
      if (!fresh)
        fail(spec.where, "servers",
             fmt::format("{} configures address {} again (already configured by {} at line {})",
                         shown(spec.key), db.address(address), shown(it->second->key),
                         it->second->where.line));
    }
  }
}

// Occurrence windows of an event: [start + k*every, start + k*every + length).
struct Windows {
  double start;
  double length;
  std::optional<double> every;
};

// Whether some occurrence of a periodic `p` meets the one window [begin, end).
bool periodic_meets(const Windows& p, double begin, double end) {
  // The first occurrence that ends after `begin`, then whether it starts before `end`.
  const double k =
      begin - p.start - p.length < 0 ? 0 : std::floor((begin - p.start - p.length) / *p.every) + 1;
  return p.start + k * *p.every < end;
}

bool windows_overlap(const Windows& a, const Windows& b, double bound, long& budget) {
  if (!a.every && !b.every) return a.start < b.start + b.length && b.start < a.start + a.length;
  if (!b.every) return periodic_meets(a, b.start, b.start + b.length);
  if (!a.every) return periodic_meets(b, a.start, a.start + a.length);
  // Two periodic events: compare the occurrences of the sparser one, up to a
  // bound, since an exact answer for real-valued periods is not worth its code.
  const Windows& sparse = *a.every >= *b.every ? a : b;
  const Windows& dense = &sparse == &a ? b : a;
  const double until = std::max({bound, a.start + 2 * *a.every, b.start + 2 * *b.every});
  for (int k = 0; k < kMaxOccurrences && budget > 0; ++k, --budget) {
    const double begin = sparse.start + k * *sparse.every;
    if (begin > until) break;
    if (periodic_meets(dense, begin, begin + sparse.length)) return true;
  }
  return false;
}

std::string fault_name(const Event& event) {
  switch (event.fault) {
    case Fault::down:
      return "down";
    case Fault::refuse:
      return "refuse";
    case Fault::tempfail:
      return "tempfail";
    case Fault::slow:
      return fmt::format("slow (factor {:g})", event.factor);
    case Fault::servfail:
      return "servfail";
    case Fault::zone_update:
      return "zone update";
    case Fault::degrade:
      return fmt::format("degrade (factor {:g})", event.factor);
  }
  return "?";
}

void Loader::check_overlaps(const Scenario& scenario, const dns::ZoneDb& db) const {
  std::vector<FaultWindow> faults;
  long budget = kOccurrenceBudget;
  double bound = scenario.horizon.value_or(scenario.duration);
  for (std::size_t i = 0; i < scenario.events.size(); ++i) {
    const Event& event = scenario.events[i];
    if (event.fault == Fault::servfail || event.fault == Fault::zone_update) continue;
    faults.push_back({i, event.on_link ? std::vector<dns::AddressId>{}
                                       : addresses_of_key(db, event.target)});
    if (!event.every)
      bound = std::max(bound, std::isfinite(event.length) ? event.at + event.length : event.at);
  }
  for (std::size_t j = 0; j < faults.size(); ++j) {
    const Event& later = scenario.events[faults[j].event];
    for (std::size_t i = 0; i < j; ++i) {
      const Event& earlier = scenario.events[faults[i].event];
      if (earlier.fault == later.fault && earlier.factor == later.factor) continue;
      if (earlier.on_link || later.on_link) {
        // Links are named, not addressed: the same name is the same link.
        if (!earlier.on_link || !later.on_link || earlier.target != later.target) continue;
        if (!windows_overlap({earlier.at, earlier.length, earlier.every},
                             {later.at, later.length, later.every}, bound, budget))
          continue;
        fail(later.where, event_paths_[faults[j].event],
             fmt::format("fault {} on link {} overlaps fault {} ({} at line {}); contradictory "
                         "faults on one link cannot overlap",
                         fault_name(later), shown(later.target), fault_name(earlier),
                         event_paths_[faults[i].event], earlier.where.line));
      }
      std::vector<dns::AddressId> shared;
      std::set_intersection(faults[i].addresses.begin(), faults[i].addresses.end(),
                            faults[j].addresses.begin(), faults[j].addresses.end(),
                            std::back_inserter(shared));
      if (shared.empty()) continue;
      if (!windows_overlap({earlier.at, earlier.length, earlier.every},
                           {later.at, later.length, later.every}, bound, budget))
        continue;
      fail(later.where, event_paths_[faults[j].event],
           fmt::format(
               "fault {} on {} overlaps fault {} on {} ({} at line {}), both on address {}; "
               "contradictory faults on one server cannot overlap",
               fault_name(later), shown(later.target), fault_name(earlier), shown(earlier.target),
               event_paths_[faults[i].event], earlier.where.line, db.address(shared.front())));
    }
  }
}

// --- limits ------------------------------------------------------------------

// yaml-cpp shares the node an alias names, so a small file can stand for a
// huge tree (a "billion laughs"), and the loader copies what it reads. Every
// node costs 16 bytes plus its text, aliases expanded, against the file-size
// limit; the walk stops when that is spent. It goes depth first and keeps only
// the path it is on, so its memory is the depth, not the breadth, of the tree.
// An alias inside the node it names (`a: &a [*a]`) makes an endless path: no
// scenario nests anywhere near kMaxDepth levels, so the walk stops there and
// says which it is.
void Loader::check_expanded_size(const YAML::Node& root) const {
  constexpr std::size_t kMaxDepth = 512;  // yaml-cpp itself refuses about 500 levels without aliases
  struct Frame {
    YAML::Node node;
    std::vector<YAML::Node> children;  // map keys and values in turn
    std::size_t next = 0;
  };
  std::uint64_t budget = limits_.file_size;
  std::vector<Frame> path;
  auto visit = [&](const YAML::Node& node) {
    const std::uint64_t cost = 16 + (node.IsScalar() ? node.Scalar().size() : 0);
    if (cost > budget)
      fail(at(node), "",
           fmt::format("with its aliases expanded, the YAML document is too large: {}",
                       limit_note(limits_, "file_size")));
    budget -= cost;
    if (!node.IsSequence() && !node.IsMap()) return;
    if (path.size() == kMaxDepth) {
      // A cycle shows as a node that is its own ancestor on the path.
      for (auto a = path.begin(); a != path.end(); ++a)
        for (auto b = std::next(a); b != path.end(); ++b)
          if (a->node.is(b->node))
            fail(at(a->node), "", "an alias names a node that contains it, so the document never ends");
      fail(at(node), "", fmt::format("the YAML document nests more than {} levels deep", kMaxDepth));
    }
    Frame frame{node, {}, 0};
    for (const auto& item : node) {
      if (node.IsSequence()) {
        frame.children.push_back(item);
      } else {
        frame.children.push_back(item.first);
        frame.children.push_back(item.second);
      }
    }
    path.push_back(std::move(frame));
  };
  visit(root);
  while (!path.empty()) {
    Frame& top = path.back();
    if (top.next == top.children.size()) {
      path.pop_back();
      continue;
    }
    const YAML::Node child = top.children[top.next++];
    visit(child);
  }
}

// timeseries.csv has a row per report bin and server address.
void Loader::check_report_rows(const Scenario& scenario, const dns::ZoneDb& db,
                               const Fields& top) const {
  const double span = scenario.horizon.value_or(scenario.duration);
  const double rows = std::ceil(span / scenario.report.bin) * static_cast<double>(db.address_count());
  if (rows <= static_cast<double>(limits_.timeseries_rows)) return;
  // At report.bin when given, else at the duration or horizon.
  const Entry* report = top.find("report");
  const YAML::Node bin = report != nullptr && report->value.IsMap() ? report->value["bin"] : YAML::Node();
  const Entry* span_entry = top.find(scenario.horizon ? "horizon" : "duration");
  fail(bin ? at(bin) : at(*span_entry), bin ? "report.bin" : span_entry->key,
       fmt::format("bins of {} over {} for {} addresses make {:.3g} rows of timeseries.csv: {}",
                   util::format_duration(scenario.report.bin), util::format_duration(span),
                   db.address_count(), rows, limit_note(limits_, "timeseries_rows")));
}

// --- the whole file ------------------------------------------------------------

void Loader::read_header(const Fields& top, Scenario& scenario) const {
  scenario.file = file_;
  const auto stem = std::filesystem::path(file_).stem().string();
  scenario.name = stem.empty() ? "scenario" : stem;
  if (const Entry* e = top.find("name")) scenario.name = text(*e, "name");
  if (const Entry* e = top.find("description"); e != nullptr && !e->value.IsNull())
    scenario.description = text(*e, "description");
  if (const Entry* e = top.find("seed")) {
    constexpr std::string_view kExpected = "expected a whole number >= 0";
    if (!e->value.IsScalar()) fail_expected(*e, "seed", kExpected);
    const std::string& raw = e->value.Scalar();
    const auto [end, ec] = std::from_chars(raw.data(), raw.data() + raw.size(), scenario.seed);
    if (ec != std::errc() || end != raw.data() + raw.size()) fail_expected(*e, "seed", kExpected);
  }
  scenario.duration = duration(
      required(top, "duration", "how long messages arrive, e.g. duration: 2h"), "duration", true);
  if (const Entry* e = top.find("horizon")) {
    scenario.horizon = duration(*e, "horizon", true);
    if (*scenario.horizon < scenario.duration)
      fail(at(*e), "horizon",
           fmt::format("{} is shorter than the duration ({}); the horizon must be at least as long",
                       util::format_duration(*scenario.horizon),
                       util::format_duration(scenario.duration)));
  }
}

// engine: {sessions: fast|network}, and the platform file network sessions may use.
void Loader::read_engine(const Fields& top, Scenario& scenario) {
  if (const Entry* e = top.find("engine")) {
    scenario.engine.where = at(e->key_node);
    const Fields map = fields(e->value, "engine", at(*e), "a map {sessions}", {"sessions"});
    if (const Entry* sessions = map.find("sessions")) {
      static constexpr std::array<std::string_view, 2> kSessions{"fast", "network"};
      scenario.engine.sessions = choice(*sessions, "engine.sessions", kSessions) == "network"
                                     ? SessionKind::network
                                     : SessionKind::round_trips;
    }
  }
  network_ = scenario.engine.sessions == SessionKind::network;
  const Entry* platform = top.find("platform");
  if (platform == nullptr) return;
  if (!network_)
    fail(at(platform->key_node), "platform",
         "a platform file needs engine: {sessions: network}; the fast sessions have no links");
  const std::string name = text(*platform, "platform");
  namespace fs = std::filesystem;
  const fs::path resolved = (fs::path(file_).parent_path() / name).lexically_normal();
  std::error_code ec;
  if (!fs::is_regular_file(resolved, ec))
    fail(at(*platform), "platform",
         fmt::format("cannot read {} (looked for {}): {}", shown(name), resolved.string(),
                     ec ? ec.message() : "no such file"));
  if (!std::ifstream(resolved, std::ios::binary))
    fail(at(*platform), "platform",
         fmt::format("cannot read {} (looked for {})", shown(name), resolved.string()));
  scenario.platform = resolved.string();
  scenario.platform_where = at(*platform);
  platform_ = true;
}

void Loader::read_servers(const Entry& entry, Scenario& scenario) {
  std::map<std::string, int> first_line;
  for (const auto& item :
       entries(entry.value, "servers", at(entry), "a map of servers by host or address")) {
    ServerSpec spec = read_server(item);
    const auto [seen, fresh] = first_line.emplace(spec.key, spec.where.line);
    if (!fresh)
      fail(spec.where, "servers",
           fmt::format("{} is given twice (first at line {})", shown(spec.key), seen->second));
    scenario.servers.push_back(std::move(spec));
  }
}

void Loader::read_senders(const Entry& entry, Scenario& scenario) {
  if (!entry.value.IsSequence() || entry.value.size() == 0)
    fail_expected(entry, "senders", "expected a list of at least one sender group");
  std::map<std::string, int> first_line;
  for (const auto& node : entry.value) {
    const auto path = indexed("senders", scenario.senders.size());
    if (scenario.senders.size() >= limits_.senders)
      fail(at(node), path, fmt::format("one sender group too many: {}", limit_note(limits_, "senders")));
    SenderGroup group = read_sender(node, path);
    const auto [seen, fresh] = first_line.emplace(group.name, group.where.line);
    if (!fresh)
      fail(group.where, path,
           fmt::format("the name {} is used twice (first at line {})", shown(group.name),
                       seen->second));
    scenario.senders.push_back(std::move(group));
  }
}

void Loader::read_events(const Entry& entry, Scenario& scenario) {
  if (entry.value.IsNull()) return;
  if (!entry.value.IsSequence()) fail_expected(entry, "events", "expected a list of events");
  for (const auto& node : entry.value) {
    if (scenario.events.size() >= limits_.events)
      fail(at(node), indexed("events", scenario.events.size()),
           fmt::format("one event too many: {}", limit_note(limits_, "events")));
    event_paths_.push_back(indexed("events", scenario.events.size()));
    scenario.events.push_back(read_event(node, event_paths_.back(), scenario));
  }
}

Scenario Loader::load_unguarded() {
  // yaml-cpp 0.7's LoadAll never returns when a token cannot start a node (a
  // ',' at the top level): it yields empty documents forever without
  // consuming the token. So documents are counted first, at most three, and
  // only the first is loaded.
  DocumentRoots documents;
  YAML::Node document;
  try {
    std::istringstream in{std::string(source_)};
    YAML::Parser parser(in);
    while (documents.starts.size() < 3 && parser.HandleNextDocument(documents)) {
      const auto n = documents.starts.size();
      if (n >= 2 && documents.starts[n - 1].pos == documents.starts[n - 2].pos) {
        const auto pos = static_cast<std::size_t>(documents.starts[n - 1].pos);
        fail(at(documents.starts[n - 1]), "",
             fmt::format("YAML syntax error: unexpected {} where a value should start",
                         pos < source_.size() ? shown(printable(source_.substr(pos, 1)))
                                              : std::string("end of file")));
      }
    }
    if (!documents.starts.empty()) document = YAML::Load(std::string(source_));
  } catch (const YAML::DeepRecursion& e) {
    throw InputError(at(e.mark), "YAML syntax error: nested too deeply (yaml-cpp stops at about "
                                 "500 levels of lists and maps)");
  } catch (const YAML::Exception& e) {
    throw InputError(at(e.mark), fmt::format("YAML syntax error: {}", printable(e.msg)));
  }
  const Location start{file_, 1, 1};
  if (documents.starts.empty() || document.IsNull())
    fail(start, "",
         "the file is empty: expected a map of scenario keys (duration, zone, senders...)");
  if (documents.roots.size() > 1)
    fail(at(documents.roots[1]), "", "expected one YAML document; this file has more");
  // Only an alias ('*') can make the document larger than its text.
  if (source_.find('*') != std::string_view::npos) check_expanded_size(document);

  const Fields top = fields(document, "", start, "a map of scenario keys",
                            {"name", "description", "seed", "duration", "horizon", "zone",
                             "zone_file", "servers", "senders", "events", "report", "engine",
                             "platform"});
  Scenario scenario;
  read_header(top, scenario);
  read_engine(top, scenario);
  duration_ = scenario.duration;
  read_zone(top, scenario);
  if (const Entry* e = top.find("servers")) read_servers(*e, scenario);
  read_senders(required(top, "senders", "a list of sender groups"), scenario);
  if (const Entry* e = top.find("events")) read_events(*e, scenario);
  if (const Entry* e = top.find("report")) scenario.report = read_report(*e, scenario);

  const dns::ZoneDb db = parse_zones(scenario);
  check_report_rows(scenario, db, top);
  resolve_platform_targets(scenario, db);
  check_zone_refs(scenario, db);
  check_overlaps(scenario, db);
  return scenario;
}

// Drops a UTF-8 byte order mark: yaml-cpp skips it without counting it in
// marks, and text_where() reads the source by those marks.
std::string_view without_bom(std::string_view text) {
  constexpr std::string_view kBom = "\xEF\xBB\xBF";
  if (text.substr(0, kBom.size()) == kBom) text.remove_prefix(kBom.size());
  return text;
}

}  // namespace

dns::ZoneDb build_zone(const Scenario& scenario) {
  dns::ZoneDb db = dns::ZoneDb::parse(scenario.zone_text, scenario.zone_where);
  for (const auto& event : scenario.events)
    if (event.fault == Fault::zone_update) db.add_update(event.zone_text, event.zone_where);
  return db;
}

Scenario load_text(const std::string& text, const std::string& path, const Limits& limits) {
  if (text.size() > limits.file_size)
    throw InputError(Location{path, 1, 1},
                     fmt::format("the file is too large ({} bytes): {}", text.size(),
                                 limit_note(limits, "file_size")));
  return Loader(without_bom(text), path, limits).load();
}

Scenario load_file(const std::string& path, const Limits& limits) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec))
    throw InputError(Location{path, 0, 0}, "cannot read the scenario file: no such file");
  if (std::filesystem::is_directory(path, ec))
    throw InputError(Location{path, 0, 0}, "cannot read the scenario file: it is a directory");
  std::string content;
  switch (read_capped(path, limits.file_size, content)) {
    case ReadStatus::ok:
      break;
    case ReadStatus::too_large:
      throw InputError(Location{path, 1, 1},
                       fmt::format("the file is too large: {}", limit_note(limits, "file_size")));
    case ReadStatus::failed:
      throw InputError(Location{path, 0, 0}, "cannot read the scenario file");
  }
  return load_text(content, path, limits);
}

}  // namespace mxsim::scenario
