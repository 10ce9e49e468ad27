// The master-file checks ldns 1.8.3 leaves out: it reads "foo bar" as a
// TYPE0 record, `$include` as an owner name, `$TTL 4294967595` as 299 and
// `MX 70000` as 4464. Each check here runs on the raw tokens before ldns.
#include "dns/zone_text.hpp"

#include <fmt/format.h>
#include <ldns/ldns.h>

#include <algorithm>
#include <cctype>
#include <string>

namespace mxsim::dns::zone_text {

namespace {

bool is_space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::vector<Token> tokenize(std::string_view line) {
  std::vector<Token> tokens;
  const std::size_t n = line.size();
  std::size_t i = 0;
  while (i < n) {
    const char c = line[i];
    if (c == ';') break;
    if (is_space(c)) {
      ++i;
      continue;
    }
    if (c == '(' || c == ')') {
      tokens.push_back({line.substr(i, 1), static_cast<int>(i) + 1});
      ++i;
      continue;
    }
    const std::size_t start = i;
    bool quoted = false;
    while (i < n) {
      const char d = line[i];
      if (d == '\\') {
        i += 2;
        continue;
      }
      if (d == '"') {
        quoted = !quoted;
        ++i;
        continue;
      }
      if (!quoted && (is_space(d) || d == ';' || d == '(' || d == ')')) break;
      ++i;
    }
    i = std::min(i, n);
    tokens.push_back({line.substr(start, i - start), static_cast<int>(start) + 1});
  }
  return tokens;
}

// The token shown without quotes (the MX preference messages predate quoting).
std::string shown(std::string_view token) {
  constexpr std::size_t kShown = 40;
  std::string out;
  for (std::size_t i = 0; i < token.size() && i < kShown; ++i) {
    const auto c = static_cast<unsigned char>(token[i]);
    if (c >= 0x20 && c < 0x7F && c != '"')
      out.push_back(static_cast<char>(c));
    else
      out += fmt::format("\\x{:02x}", c);
  }
  if (token.size() > kShown) out += "...";
  return out;
}

// One field of a record: its token and the line it sits on. A record may
// run over several lines inside parentheses; the parentheses are not fields.
struct Field {
  Token token;
  std::size_t line = 0;
};

// A record's fields as ldns splits them: [owner] [TTL] [class] type data...
// (ldns takes the TTL before the class, never after).
struct Shape {
  std::vector<Field> fields;
  std::size_t ttl = std::string::npos;  // index in fields, if any
  std::size_t type = 0;                 // index in fields; may be fields.size()
};

Shape shape_of(const std::vector<Line>& lines, std::size_t start) {
  Shape shape;
  int depth = 0;
  for (std::size_t li = start; li < lines.size(); ++li) {
    for (const Token& token : lines[li].tokens) {
      if (token.text == "(") {
        ++depth;
      } else if (token.text == ")") {
        depth = std::max(depth - 1, 0);
      } else {
        shape.fields.push_back({token, li});
      }
    }
    if (depth == 0) break;
  }
  const std::string_view first = lines[start].text;
  std::size_t pos = !first.empty() && !is_space(first[0]) ? 1 : 0;  // the owner, unless the line starts blank
  auto text_at = [&](std::size_t i) { return std::string(shape.fields[i].token.text); };
  if (pos < shape.fields.size()) {
    const char c = shape.fields[pos].token.text[0];
    if (is_digit(c) || c == '-' || c == '+') shape.ttl = pos++;
  }
  if (pos < shape.fields.size() && ldns_get_rr_class_by_name(text_at(pos).c_str()) != 0) ++pos;
  shape.type = pos;
  return shape;
}

Problem at(const Field& field, std::string message) {
  return Problem{.line = field.line, .column = field.token.column, .message = std::move(message)};
}

std::optional<Problem> check_ttl(const Field& field, std::string_view what) {
  const std::string_view text = field.token.text;
  if (!text.empty() && text[0] == '-')
    return at(field, fmt::format("{} {} is negative: a TTL is 0-{} seconds (RFC 2181 §8)", what, quoted(text),
                                 kMaxTtl));
  const auto ttl = parse_ttl(text);
  if (!ttl)
    return at(field, fmt::format("{} {} is not a duration (seconds, or units as in 1h30m)", what, quoted(text)));
  if (*ttl > kMaxTtl)
    return at(field, fmt::format("{} {} is out of range: a TTL is 0-{} seconds (RFC 2181 §8)", what, quoted(text),
                                 kMaxTtl));
  return std::nullopt;
}

std::optional<Problem> check_directive(const Line& line, std::size_t index) {
  const Field directive{line.tokens[0], index};
  const std::string_view name = directive.token.text;
  if (iequals(name, "$ORIGIN")) return std::nullopt;  // ldns checks the name
  if (iequals(name, "$TTL")) {
    if (line.tokens.size() != 2) return at(directive, "$TTL needs exactly one value");
    return check_ttl(Field{line.tokens[1], index}, "$TTL value");
  }
  if (iequals(name, "$INCLUDE"))
    return at(directive, "$INCLUDE is not supported: paste the included records into the zone");
  if (iequals(name, "$GENERATE"))
    return at(directive, "$GENERATE is not supported: write out the records it would generate");
  return at(directive, fmt::format("unknown directive {}: a zone may use $ORIGIN and $TTL", quoted(name)));
}

std::optional<Problem> check_mx_preference(const Field& field) {
  const std::string_view text = field.token.text;
  const auto out_of_range = [&] {
    return at(field, fmt::format("MX preference {} is out of range 0-65535", shown(text)));
  };
  if (text[0] == '-') return out_of_range();
  if (!std::all_of(text.begin(), text.end(), is_digit))
    return at(field, fmt::format("MX preference {} is not a number 0-65535", shown(text)));
  // Leading zeros are allowed (000010 is 10): the value counts, not the length.
  std::uint32_t value = 0;
  for (const char c : text) value = std::min<std::uint32_t>(value * 10 + static_cast<std::uint32_t>(c - '0'), 70000);
  if (value > 65535) return out_of_range();
  return std::nullopt;
}

}  // namespace

std::vector<Line> split_lines(std::string_view text) {
  std::vector<Line> lines;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back({line, tokenize(line)});
    if (end == text.size()) break;
    pos = end + 1;
  }
  return lines;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::optional<Problem> find_nul(std::string_view text) {
  const std::size_t nul = text.find('\0');
  if (nul == std::string_view::npos) return std::nullopt;
  const auto line = static_cast<std::size_t>(std::count(text.begin(), text.begin() + static_cast<long>(nul), '\n'));
  const std::size_t line_start = text.rfind('\n', nul);
  const std::size_t column = line_start == std::string_view::npos ? nul + 1 : nul - line_start;
  return Problem{.line = line,
                 .column = static_cast<int>(column),
                 .message = "a NUL byte: a zone is text, and ldns would drop the rest of this line"};
}

std::string quoted(std::string_view token) { return fmt::format("\"{}\"", shown(token)); }

std::optional<std::uint64_t> parse_ttl(std::string_view token) {
  // Saturated well above 2^32, so that a long token cannot wrap into range.
  constexpr std::uint64_t kCap = 1'000'000'000'000ULL;
  std::uint64_t total = 0, number = 0;
  bool digits = false, any = false;
  for (const char c : token) {
    if (is_digit(c)) {
      number = std::min(number * 10 + static_cast<std::uint64_t>(c - '0'), kCap);
      digits = any = true;
      continue;
    }
    std::uint64_t unit = 0;
    switch (std::tolower(static_cast<unsigned char>(c))) {
      case 's': unit = 1; break;
      case 'm': unit = 60; break;
      case 'h': unit = 3600; break;
      case 'd': unit = 86400; break;
      case 'w': unit = 604800; break;
      default: return std::nullopt;
    }
    if (!digits) return std::nullopt;
    total = std::min(total + number * unit, kCap);
    number = 0;
    digits = false;
  }
  if (!any) return std::nullopt;
  return std::min(total + number, kCap);
}

std::optional<Problem> check_entry(const std::vector<Line>& lines, std::size_t start) {
  const Line& line = lines[start];
  if (line.tokens[0].text[0] == '$') return check_directive(line, start);
  const Shape shape = shape_of(lines, start);
  if (shape.fields.empty()) return std::nullopt;  // parentheses alone: ldns says so
  if (shape.ttl != std::string::npos)
    if (auto problem = check_ttl(shape.fields[shape.ttl], "TTL")) return problem;
  if (shape.type >= shape.fields.size())
    return at(shape.fields.back(), "a record needs a type here (owner [TTL] [class] type data)");
  const Field& type = shape.fields[shape.type];
  if (ldns_get_rr_type_by_name(std::string(type.token.text).c_str()) == 0) {
    if (is_digit(type.token.text[0]))
      return at(type, "the TTL goes before the class: owner TTL class type data");
    return at(type, fmt::format("{} is not a record type", quoted(type.token.text)));
  }
  if (iequals(type.token.text, "MX") && shape.type + 1 < shape.fields.size())
    return check_mx_preference(shape.fields[shape.type + 1]);
  return std::nullopt;
}

Problem locate_ldns_error(const std::vector<Line>& lines, std::size_t start, int status) {
  const auto code = static_cast<ldns_status>(status);
  const std::string why = ldns_get_errorstr_by_id(code);
  const Shape shape = shape_of(lines, start);
  if (shape.type >= shape.fields.size())
    return Problem{.line = start, .column = lines[start].tokens[0].column, .message = why};
  const Field& type = shape.fields[shape.type];
  const std::string type_name(type.token.text);
  if (code == LDNS_STATUS_SYNTAX_SUPERFLUOUS_TEXT_ERR) {
    const ldns_rr_descriptor* descriptor = ldns_rr_descript(ldns_get_rr_type_by_name(type_name.c_str()));
    const std::size_t extra = shape.type + 1 + ldns_rr_descriptor_maximum(descriptor);
    if (extra < shape.fields.size())
      return at(shape.fields[extra], fmt::format("{}: {} after the {} record's data", why,
                                                 quoted(shape.fields[extra].token.text), type_name));
  }
  if (shape.type + 1 >= shape.fields.size()) return at(type, fmt::format("{}: the {} record has no data", why, type_name));
  const Field& data = shape.fields[shape.type + 1];
  return at(data, fmt::format("{}: the {} record's data from {}", why, type_name, quoted(data.token.text)));
}

}  // namespace mxsim::dns::zone_text
