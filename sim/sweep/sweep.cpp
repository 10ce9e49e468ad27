// Sweep files, key paths into scenario YAML, the CSV rows of a sweep and the
// merge of its shards. The scenario of each point is the original YAML tree
// with the values put in and written out again, so every key a scenario may
// have can be swept without this file knowing it.
#include "sweep/sweep.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string_view>

#include "util/sha256.hpp"

namespace mxsim::sweep {

namespace fs = std::filesystem;
using util::InputError;
using util::Location;

namespace {

// --- YAML out ------------------------------------------------------------------

void emit(YAML::Emitter& out, const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      out << YAML::BeginMap;
      for (const auto& item : node) {
        out << YAML::Key;
        emit(out, item.first);
        out << YAML::Value;
        emit(out, item.second);
      }
      out << YAML::EndMap;
      break;
    case YAML::NodeType::Sequence:
      out << YAML::BeginSeq;
      for (const auto& item : node) emit(out, item);
      out << YAML::EndSeq;
      break;
    case YAML::NodeType::Scalar:
      // Zone texts stay block scalars: the loader reads `#` in them as a
      // comment. A literal block ends with exactly one line break, so other
      // text with line breaks (a name) is written double-quoted instead.
      if (const auto& text = node.Scalar(); text.find('\n') != std::string::npos)
        out << (text.back() == '\n' && text.find_last_not_of('\n') == text.size() - 2 ? YAML::Literal
                                                                                     : YAML::DoubleQuoted);
      out << node.Scalar();
      break;
    default:
      out << YAML::Null;
  }
}

std::string yaml_text(const YAML::Node& node) {
  YAML::Emitter out;
  emit(out, node);
  return std::string(out.c_str()) + "\n";
}

// A value as one CSV cell: a scalar as written, anything else in flow style.
std::string shown_value(const YAML::Node& node) {
  if (node.IsScalar()) return node.Scalar();
  if (node.IsNull()) return "";
  YAML::Emitter out;
  out << YAML::Flow << node;
  return out.c_str();
}

Location at(const std::string& file, const YAML::Node& node) {
  return Location{file, node.Mark().line + 1, node.Mark().column + 1};
}

std::string read_file(const std::string& path, const Location& where, const std::string& what) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) throw InputError(where, fmt::format("cannot read {} {}: no such file", what, path));
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) throw InputError(where, fmt::format("cannot read {} {}", what, path));
  return text.str();
}

// --- key paths -------------------------------------------------------------------

std::string describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      return "a map";
    case YAML::NodeType::Sequence:
      return fmt::format("a list of {}", node.size());
    case YAML::NodeType::Scalar:
      return fmt::format("the value \"{}\"", node.Scalar());
    default:
      return "empty";
  }
}

std::string shown_steps(const std::vector<Step>& steps, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n && i < steps.size(); ++i) {
    const Step& s = steps[i];
    if (s.kind == Step::Kind::index)
      out += fmt::format("[{}]", s.index);
    else if (s.quoted)
      out += fmt::format("[\"{}\"]", s.key);
    else
      out += (out.empty() ? "" : ".") + s.key;
  }
  return out;
}

bool has_key(const YAML::Node& map, const std::string& key) {
  if (!map.IsMap()) return false;
  for (const auto& item : map)
    if (item.first.IsScalar() && item.first.Scalar() == key) return true;
  return false;
}

// How many key steps from steps[i] to steps[last], joined by dots, spell
// `name`; 0 when no such run does.
std::size_t steps_spelled(std::string_view name, const std::vector<Step>& steps, std::size_t i, std::size_t last) {
  for (std::size_t j = i; j <= last; ++j) {
    const std::string& key = steps[j].key;
    if (!name.starts_with(key)) return 0;
    name.remove_prefix(key.size());
    if (name.empty()) return j - i + 1;
    if (name.front() != '.') return 0;
    name.remove_prefix(1);
  }
  return 0;
}

// Puts `value` at `steps` below `node`; yaml-cpp nodes are handles, so the
// change lands in the tree `node` belongs to. Missing map keys on the way are
// created, or, with `create` false, an error (only the last key may be new).
void set_path(YAML::Node node, const std::vector<Step>& steps, const YAML::Node& value, bool create = true) {
  std::size_t i = 0;
  // Where the walk is, for messages only (built when one is thrown).
  auto here = [&] { return i == 0 ? std::string("the scenario") : shown_steps(steps, i); };
  while (i < steps.size()) {
    const Step& step = steps[i];
    if (step.kind == Step::Kind::index) {
      if (!node.IsSequence())
        throw std::invalid_argument(fmt::format("{} is {}, not a list", here(), describe(node)));
      if (step.index >= node.size())
        throw std::invalid_argument(fmt::format("{} has {} item{}; [{}] is past its end", here(), node.size(),
                                                node.size() == 1 ? "" : "s", step.index));
      if (i + 1 == steps.size()) {
        node[step.index] = YAML::Clone(value);
        return;
      }
      node.reset(node[step.index]);
      ++i;
      continue;
    }
    if (!node.IsMap() && !node.IsNull())
      throw std::invalid_argument(fmt::format("{} is {}, not a map", here(), describe(node)));
    // The longest run of unquoted keys that names an existing key, joined by
    // dots. Each existing key is matched against the run once, so a long path
    // costs (keys here) x (its length), not a string per candidate run.
    std::size_t used = 1;
    std::string key = step.key;
    if (!step.quoted && node.IsMap()) {
      std::size_t last = i;
      while (last + 1 < steps.size() && steps[last + 1].kind == Step::Kind::key && !steps[last + 1].quoted) ++last;
      for (const auto& item : node) {
        if (!item.first.IsScalar()) continue;
        const std::size_t spelled = steps_spelled(item.first.Scalar(), steps, i, last);
        if (spelled > used) {
          used = spelled;
          key = item.first.Scalar();
        }
      }
    }
    if (i + used == steps.size()) {
      node[key] = YAML::Clone(value);
      return;
    }
    if (!has_key(node, key)) {
      if (!create) {
        std::string known;
        if (node.IsMap())
          for (const auto& item : node)
            if (item.first.IsScalar()) known += (known.empty() ? "" : ", ") + item.first.Scalar();
        throw std::invalid_argument(fmt::format("{} has no key \"{}\"{}", here(), key,
                                                known.empty() ? "" : fmt::format(" (it has: {})", known)));
      }
      node[key] = YAML::Node(YAML::NodeType::Map);
    }
    node.reset(node[key]);
    i += used;
  }
}

// --- the sweep file ------------------------------------------------------------------

std::vector<std::uint64_t> read_seeds(const std::string& file, const YAML::Node& node) {
  auto seed = [&](const YAML::Node& item) {
    std::uint64_t value = 0;
    const std::string text = item.IsScalar() ? item.Scalar() : "";
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size())
      throw InputError(at(file, item), fmt::format("seeds: expected a whole number >= 0, got {}", describe(item)));
    return value;
  };
  std::vector<std::uint64_t> seeds;
  if (node.IsSequence() && node.size() > 0) {
    for (const auto& item : node) seeds.push_back(seed(item));
  } else if (node.IsMap() && node["from"] && node["count"] && node.size() == 2) {
    const std::uint64_t from = seed(node["from"]);
    const std::uint64_t count = seed(node["count"]);
    if (count == 0 || count > 1'000'000)
      throw InputError(at(file, node["count"]), "seeds.count: expected 1 to 1000000");
    for (std::uint64_t k = 0; k < count; ++k) seeds.push_back(from + k);
  } else {
    throw InputError(at(file, node), "seeds: expected a list of seeds such as [1, 2, 3] or {from: 1, count: 10}");
  }
  std::set<std::uint64_t> unique(seeds.begin(), seeds.end());
  if (unique.size() != seeds.size()) throw InputError(at(file, node), "seeds: a seed is listed twice");
  return seeds;
}

}  // namespace

std::vector<Step> parse_path(const std::string& text) {
  std::vector<Step> steps;
  std::size_t i = 0;
  auto fail = [&](const std::string& why) {
    throw std::invalid_argument(fmt::format("key path \"{}\": {} at character {}", text, why, i + 1));
  };
  if (text.empty()) fail("empty path");
  bool need_key = true;  // at the start or after a dot
  while (i < text.size()) {
    const char c = text[i];
    if (c == '[') {
      if (need_key && !steps.empty()) fail("[ right after a dot");
      const std::size_t close = text.find(']', i);
      if (close == std::string::npos) fail("[ without ]");
      const std::string inside = text.substr(i + 1, close - i - 1);
      if (!inside.empty() && (inside.front() == '"' || inside.front() == '\'')) {
        if (inside.size() < 2 || inside.back() != inside.front()) fail("a quoted key must end with its quote and ]");
        steps.push_back({Step::Kind::key, inside.substr(1, inside.size() - 2), 0, true});
      } else {
        std::size_t index = 0;
        const auto [end, ec] = std::from_chars(inside.data(), inside.data() + inside.size(), index);
        if (inside.empty() || ec != std::errc() || end != inside.data() + inside.size())
          fail("expected [N] (a list index from 0) or [\"key\"]");
        steps.push_back({Step::Kind::index, "", index, false});
      }
      i = close + 1;
      need_key = false;
      continue;
    }
    if (c == '.') {
      if (need_key) fail("an empty key");
      need_key = true;
      ++i;
      continue;
    }
    if (!need_key) fail("expected . or [ between keys");
    const std::size_t end = std::min(text.find_first_of(".[", i), text.size());
    steps.push_back({Step::Kind::key, text.substr(i, end - i), 0, false});
    i = end;
    need_key = false;
  }
  if (need_key) fail("a path cannot end with a dot");
  return steps;
}

Shard parse_shard(const std::string& text) {
  const auto slash = text.find('/');
  Shard shard;
  auto number = [&](std::string_view part, std::size_t& out) {
    const auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), out);
    return !part.empty() && ec == std::errc() && end == part.data() + part.size();
  };
  const std::string_view all(text);
  if (slash == std::string::npos || !number(all.substr(0, slash), shard.k) || !number(all.substr(slash + 1), shard.n) ||
      shard.n == 0 || shard.k == 0 || shard.k > shard.n)
    throw std::invalid_argument(fmt::format("--shard expects K/N with 1 <= K <= N, such as 2/8; got \"{}\"", text));
  return shard;
}

Sweep Sweep::load_file(const std::string& path) {
  return load_text(read_file(path, Location{path, 0, 0}, "the sweep file"), path);
}

Sweep Sweep::load_text(const std::string& text, const std::string& path) {
  Sweep sweep;
  sweep.file_ = path;
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw InputError(Location{path, e.mark.line + 1, e.mark.column + 1}, fmt::format("YAML error: {}", e.msg));
  }
  const Location start{path, 1, 1};
  if (!root.IsMap()) throw InputError(start, "expected a map with scenario, grid and seeds");
  for (const auto& item : root) {
    const std::string key = item.first.Scalar();
    if (key != "scenario" && key != "grid" && key != "seeds" && key != "description")
      throw InputError(at(path, item.first),
                       fmt::format("unknown key \"{}\"; allowed keys: scenario, grid, seeds, description", key));
  }
  const YAML::Node scenario = root["scenario"];
  if (!scenario || !scenario.IsScalar())
    throw InputError(scenario ? at(path, scenario) : start, "scenario: expected the scenario file (relative to this file)");
  const fs::path base = fs::path(path).parent_path();
  sweep.scenario_path_ = (base / scenario.Scalar()).lexically_normal().string();
  sweep.scenario_source_ = read_file(sweep.scenario_path_, at(path, scenario), "the scenario");
  sweep.scenario_sha256_ = util::sha256_hex(sweep.scenario_source_);
  sweep.scenario_dir_ = fs::absolute(fs::path(sweep.scenario_path_)).parent_path().lexically_normal().string();

  if (const YAML::Node seeds = root["seeds"]) sweep.seeds_ = read_seeds(path, seeds);
  if (const YAML::Node grid = root["grid"]; grid && !grid.IsNull()) {
    if (!grid.IsMap()) throw InputError(at(path, grid), "grid: expected a map of key paths to lists of values");
    for (const auto& item : grid) {
      Parameter p;
      p.path = item.first.Scalar();
      p.where = at(path, item.first);
      try {
        p.steps = parse_path(p.path);
      } catch (const std::invalid_argument& e) {
        throw InputError(p.where, fmt::format("grid: {}", e.what()));
      }
      if (!item.second.IsSequence() || item.second.size() == 0)
        throw InputError(at(path, item.second), fmt::format("grid: {}: expected a list of values, such as [10/s, 20/s]", p.path));
      for (const auto& value : item.second) {
        p.values.push_back(yaml_text(value));
        p.shown.push_back(shown_value(value));
      }
      sweep.grid_.push_back(std::move(p));
    }
  }
  if (sweep.points() > 10'000'000) throw InputError(start, fmt::format("the grid has {} points; the limit is 1e7", sweep.points()));
  return sweep;
}

Sweep Sweep::one_parameter(const std::string& scenario_path, const std::string& key_path, const util::Location& where,
                           const std::vector<std::string>& values, const std::vector<std::uint64_t>& seeds) {
  Sweep sweep;
  sweep.file_ = where.file;
  sweep.scenario_path_ = fs::path(scenario_path).lexically_normal().string();
  sweep.scenario_source_ = read_file(sweep.scenario_path_, Location{scenario_path, 0, 0}, "the scenario");
  sweep.scenario_sha256_ = util::sha256_hex(sweep.scenario_source_);
  sweep.scenario_dir_ = fs::absolute(fs::path(sweep.scenario_path_)).parent_path().lexically_normal().string();
  sweep.seeds_ = seeds;
  Parameter p;
  p.path = key_path;
  p.where = where;
  try {
    p.steps = parse_path(key_path);
  } catch (const std::invalid_argument& e) {
    throw InputError(where, e.what());
  }
  YAML::Node root;
  try {
    root = YAML::Load(sweep.scenario_source_);
  } catch (const YAML::Exception& e) {
    throw InputError(Location{scenario_path, e.mark.line + 1, e.mark.column + 1}, fmt::format("YAML error: {}", e.msg));
  }
  // The key must be there, or at least the map it goes into: a misspelt
  // server name must not become a new server.
  try {
    set_path(root, p.steps, YAML::Node(), false);
  } catch (const std::invalid_argument& e) {
    throw InputError(where, fmt::format("{}: {} in {}", key_path, e.what(), sweep.scenario_path_));
  }
  for (const auto& value : values) {
    p.values.push_back(value + "\n");
    p.shown.push_back(value);
  }
  sweep.grid_.push_back(std::move(p));
  return sweep;
}

std::size_t Sweep::points() const {
  std::size_t n = seeds_.empty() ? 1 : seeds_.size();
  for (const auto& p : grid_) n *= p.values.size();
  return n;
}

Point Sweep::point(std::size_t i) const {
  Point p;
  p.index = i;
  if (!seeds_.empty()) {
    p.seed = seeds_[i % seeds_.size()];
    i /= seeds_.size();
  }
  p.choice.assign(grid_.size(), 0);
  for (std::size_t k = grid_.size(); k-- > 0;) {
    p.choice[k] = i % grid_[k].values.size();
    i /= grid_[k].values.size();
  }
  return p;
}

std::string Sweep::scenario_text(const Point& p) const {
  YAML::Node root = YAML::Load(scenario_source_);
  for (std::size_t k = 0; k < grid_.size(); ++k) {
    const Parameter& param = grid_[k];
    try {
      set_path(root, param.steps, YAML::Load(param.values[p.choice[k]]));
    } catch (const std::invalid_argument& e) {
      throw InputError(param.where, fmt::format("grid: {}: {} in {}", param.path, e.what(), scenario_path_));
    }
  }
  if (root.IsMap()) {
    // The copy runs from elsewhere: keep what depended on the file's place.
    if (!root["name"]) root["name"] = fs::path(scenario_path_).stem().string();
    if (const YAML::Node zone_file = root["zone_file"]; zone_file && zone_file.IsScalar())
      root["zone_file"] = (fs::path(scenario_dir_) / zone_file.Scalar()).lexically_normal().string();
  }
  return yaml_text(root);
}

}  // namespace mxsim::sweep
