// The hardened YAML reader under the scenario loader (yaml_reader.hpp):
// yaml-cpp's document checked for what it does not refuse itself (endless
// documents, alias bombs, alias cycles), and scalars read with units and ranges.
#include "scenario/yaml_reader.hpp"

#include <fmt/format.h>
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>
#include <system_error>

#include "scenario/text.hpp"

namespace mxsim::scenario {
namespace {

using util::InputError;

std::string join(std::span<const std::string_view> words) {
  std::string out;
  for (auto word : words) {
    if (!out.empty()) out += ", ";
    out += word;
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

// Where each document of a YAML text and its root node start, from the
// parser's events (Reader::document() counts documents with it).
class DocumentRoots : public YAML::EventHandler {
 public:
  std::vector<YAML::Mark> starts;
  std::vector<YAML::Mark> roots;

  void OnDocumentStart(const YAML::Mark& mark) override { starts.push_back(mark); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t) override { node(mark); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override { node(mark); }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t, const std::string&) override {
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

}  // namespace

std::string child(std::string_view path, std::string_view key) {
  return path.empty() ? std::string(key) : fmt::format("{}.{}", path, key);
}

std::string indexed(std::string_view path, std::size_t index) { return fmt::format("{}[{}]", path, index); }

void fail(const Location& where, std::string_view path, std::string_view message) {
  throw InputError(where, path.empty() ? std::string(message) : fmt::format("{}: {}", path, message));
}

void Reader::fail_expected(const Entry& entry, std::string_view path, std::string_view expected) const {
  fail(at(entry), path, fmt::format("{}, got {}", expected, describe(entry.value)));
}

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

// --- the document ------------------------------------------------------------

// yaml-cpp 0.7's LoadAll never returns when a token cannot start a node (a
// ',' at the top level): it yields empty documents forever without consuming
// the token. So documents are counted first, at most three, and only the
// first is loaded.
YAML::Node Reader::document() const {
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
    throw InputError(at(e.mark),
                     "YAML syntax error: nested too deeply (yaml-cpp stops at about "
                     "500 levels of lists and maps)");
  } catch (const YAML::Exception& e) {
    throw InputError(at(e.mark), fmt::format("YAML syntax error: {}", printable(e.msg)));
  }
  if (documents.starts.empty() || document.IsNull())
    fail(Location{file_, 1, 1}, "",
         "the file is empty: expected a map of scenario keys (duration, zone, senders...)");
  if (documents.roots.size() > 1)
    fail(at(documents.roots[1]), "", "expected one YAML document; this file has more");
  // Only an alias ('*') can make the document larger than its text.
  if (source_.find('*') != std::string_view::npos) check_expanded_size(document);
  return document;
}

// yaml-cpp shares the node an alias names, so a small file can stand for a
// huge tree (a "billion laughs"), and the loader copies what it reads. Every
// node costs 16 bytes plus its text, aliases expanded, against the file-size
// limit; the walk stops when that is spent. It goes depth first and keeps only
// the path it is on, so its memory is the depth, not the breadth, of the tree.
// An alias inside the node it names (`a: &a [*a]`) makes an endless path: no
// scenario nests anywhere near kMaxDepth levels, so the walk stops there and
// says which it is.
void Reader::check_expanded_size(const YAML::Node& root) const {
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

// --- maps and scalars --------------------------------------------------------

std::vector<Entry> Reader::entries(const YAML::Node& node, const std::string& path, const Location& where,
                                   std::string_view what) const {
  if (node.IsNull()) return {};
  if (!node.IsMap())
    fail(node.IsDefined() ? at(node) : where, path, fmt::format("expected {}, got {}", what, describe(node)));
  std::vector<Entry> out;
  std::map<std::string, int> first_line;
  for (const auto& item : node) {
    if (!item.first.IsScalar())
      fail(at(item.first), path, fmt::format("expected a key as text, got {}", describe(item.first)));
    Entry entry{item.first.Scalar(), item.first, item.second};
    const auto [seen, fresh] = first_line.emplace(entry.key, at(entry.key_node).line);
    if (!fresh)
      fail(at(entry.key_node), path,
           fmt::format("duplicate key {} (first at line {})", shown(entry.key), seen->second));
    out.push_back(std::move(entry));
  }
  return out;
}

Fields Reader::fields(const YAML::Node& node, const std::string& path, const Location& where,
                      std::string_view what, std::initializer_list<std::string_view> allowed) const {
  Fields map{path, node.IsMap() ? at(node) : where, entries(node, path, where, what)};
  for (const auto& entry : map.entries) {
    if (std::find(allowed.begin(), allowed.end(), entry.key) == allowed.end())
      fail(at(entry.key_node), path,
           fmt::format("unknown key {}; allowed keys: {}", shown(entry.key),
                       join(std::span(allowed.begin(), allowed.size()))));
  }
  return map;
}

const Entry& Reader::required(const Fields& map, std::string_view key, std::string_view hint) const {
  if (const Entry* entry = map.find(key)) return *entry;
  fail(map.where, map.path, fmt::format("missing key \"{}\" ({})", key, hint));
}

std::string Reader::text(const Entry& entry, const std::string& path) const {
  if (!entry.value.IsScalar()) fail_expected(entry, path, "expected text");
  return entry.value.Scalar();
}

double Reader::duration(const Entry& entry, const std::string& path, bool positive) const {
  if (!entry.value.IsScalar()) fail_expected(entry, path, "expected a duration such as 30s, 5m, 2h or 4d");
  std::string why;
  const auto seconds = util::parse_duration(entry.value.Scalar(), &why);
  if (!seconds) fail_expected(entry, path, why);
  if (positive && *seconds <= 0)
    fail_expected(entry, path, "expected a positive duration such as 30s, 5m, 2h or 4d");
  if (*seconds > kMaxTime)
    fail(at(entry), path, fmt::format("{} is too long: the limit is 365d", shown(entry.value.Scalar())));
  return *seconds;
}

double Reader::number(const Entry& entry, const std::string& path, std::string_view expected) const {
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

long long Reader::integer(const Entry& entry, const std::string& path, long long low, long long high) const {
  const auto expected = fmt::format("expected a whole number from {} to {}", low, high);
  if (!entry.value.IsScalar()) fail_expected(entry, path, expected);
  const std::string& raw = entry.value.Scalar();
  long long value = 0;
  const auto [end, ec] = std::from_chars(raw.data(), raw.data() + raw.size(), value);
  if (ec != std::errc() || end != raw.data() + raw.size() || value < low || value > high)
    fail_expected(entry, path, expected);
  return value;
}

std::string Reader::choice(const Entry& entry, const std::string& path,
                           std::span<const std::string_view> options) const {
  const auto expected = fmt::format("expected one of {}", join(options));
  if (!entry.value.IsScalar()) fail_expected(entry, path, expected);
  const std::string& value = entry.value.Scalar();
  if (std::find(options.begin(), options.end(), value) == options.end()) fail_expected(entry, path, expected);
  return value;
}

std::string Reader::server_key(const Entry& entry, const std::string& path) const {
  const std::string key = canonical_server_key(entry.key);
  if (!is_address_key(key) && !plausible_name(key))
    fail(at(entry.key_node), path, fmt::format("{} is neither a host name nor an address", shown(entry.key)));
  return key;
}

std::string Reader::domain(const YAML::Node& node, const Location& where, const std::string& path) const {
  if (!node.IsScalar()) fail(where, path, fmt::format("expected a domain name, got {}", describe(node)));
  const std::string name = canonical_name(node.Scalar());
  if (!plausible_name(name)) fail(where, path, fmt::format("{} is not a domain name", shown(node.Scalar())));
  return name;
}

double Reader::quantity(const Entry& entry, const std::string& path, const Quantity& q) const {
  if (!entry.value.IsScalar()) fail_expected(entry, path, q.expected);
  std::string why;
  const auto value = q.parse(entry.value.Scalar(), &why);
  if (!value) fail_expected(entry, path, why);
  if (*value > q.max)
    fail(at(entry), path, fmt::format("{} is too {}", shown(entry.value.Scalar()), q.limit));
  return *value;
}

// The same against a registry's names (the MTA profiles).
std::string Reader::choice(const Entry& entry, const std::string& path,
                           std::span<const std::string> options) const {
  std::vector<std::string_view> views(options.begin(), options.end());
  return choice(entry, path, views);
}

// --- zone text ---------------------------------------------------------------

bool Reader::is_block_scalar(const YAML::Node& node) const {
  const YAML::Mark mark = node.Mark();
  const auto pos = static_cast<std::size_t>(mark.pos);
  return node.IsScalar() && mark.pos >= 0 && pos < source_.size() &&
         (source_[pos] == '|' || source_[pos] == '>');
}

std::string Reader::zone_text(const Entry& entry, const std::string& path) const {
  std::string value = text(entry, path);
  return is_block_scalar(entry.value) ? yaml_comments_as_zone_comments(std::move(value)) : value;
}

// Where line 1 of a zone text sits in the file. A block scalar (`|`, `>`)
// starts on the line after its indicator, at the block's indentation; a
// quoted or plain scalar starts at its own mark.
Location Reader::text_where(const YAML::Node& node) const {
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

}  // namespace mxsim::scenario
