// The XML reader of platform files (platform_xml.hpp): a loop over the text
// with an explicit stack of open elements, so that no input can recurse deep
// or run long; every error points at its character.
#include "scenario/platform_xml.hpp"

#include <algorithm>
#include <cstdint>

#include <fmt/format.h>

#include "scenario/text.hpp"

namespace mxsim::scenario::xml {
namespace {

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool is_name_start(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c == ':';
}
bool is_name_char(char c) { return is_name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.'; }

class Reader {
 public:
  Reader(std::string_view text, const std::string& file, int max_depth, std::size_t max_elements)
      : text_(text), file_(file), max_depth_(max_depth), max_elements_(max_elements) {
    line_starts_.push_back(0);
    for (std::size_t i = 0; i < text.size(); ++i)
      if (text[i] == '\n') line_starts_.push_back(i + 1);
  }

  Document run() {
    if (text_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;
    while (pos_ < text_.size()) {
      if (text_[pos_] != '<') {
        if (!is_blank(text_[pos_])) fail(pos_, "text outside a tag: a platform file holds only elements");
        ++pos_;
        continue;
      }
      const std::string_view rest = text_.substr(pos_);
      if (rest.substr(0, 4) == "<!--") {
        skip_past(pos_ + 4, "-->", "a comment that never ends (no -->)");
      } else if (rest.substr(0, 2) == "<?") {
        skip_past(pos_ + 2, "?>", "a processing instruction that never ends (no ?>)");
      } else if (rest.substr(0, 9) == "<!DOCTYPE") {
        doctype();
      } else if (rest.substr(0, 2) == "<!") {
        fail(pos_, "CDATA sections and declarations other than DOCTYPE are not supported in a platform file");
      } else if (rest.substr(0, 2) == "</") {
        end_tag();
      } else {
        start_tag();
      }
    }
    if (!open_.empty()) {
      const auto& e = doc_.elements[static_cast<std::size_t>(open_.back())];
      throw util::InputError(e.where, fmt::format("<{}> is never closed", e.name));
    }
    if (doc_.elements.empty()) fail(text_.size(), "no element: a platform file holds <platform version=\"4.1\">");
    return std::move(doc_);
  }

 private:
  util::Location at(std::size_t offset) const {
    const auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
    const auto line = static_cast<std::size_t>(it - line_starts_.begin());
    return {file_, static_cast<int>(line), static_cast<int>(offset - line_starts_[line - 1] + 1)};
  }
  [[noreturn]] void fail(std::size_t offset, const std::string& why) const { throw util::InputError(at(offset), why); }

  void skip_past(std::size_t from, std::string_view end, const char* why) {
    const auto found = text_.find(end, from);
    if (found == std::string_view::npos) fail(pos_, why);
    pos_ = found + end.size();
  }

  void doctype() {
    const auto close = text_.find_first_of("[>", pos_);
    if (close == std::string_view::npos) fail(pos_, "a DOCTYPE that never ends (no >)");
    if (text_[close] == '[') fail(close, "a DOCTYPE with an internal subset (entity definitions) is not supported");
    pos_ = close + 1;
  }

  std::string name() {
    const std::size_t start = pos_;
    if (pos_ >= text_.size() || !is_name_start(text_[pos_])) fail(pos_, "expected a name");
    while (pos_ < text_.size() && is_name_char(text_[pos_])) ++pos_;
    return std::string(text_.substr(start, pos_ - start));
  }
  void skip_blanks() {
    while (pos_ < text_.size() && is_blank(text_[pos_])) ++pos_;
  }

  // The five predefined entities and character references (ASCII only: ids
  // and numbers never need more).
  std::string value() {
    const char quote = text_[pos_];
    const std::size_t open = pos_++;
    std::string out;
    for (;;) {
      if (pos_ >= text_.size()) fail(open, "an attribute value that never ends");
      const char c = text_[pos_];
      if (c == quote) break;
      if (c == '<') fail(pos_, "'<' inside an attribute value");
      if (c != '&') {
        out += c;
        ++pos_;
        continue;
      }
      const auto semi = text_.find(';', pos_);
      if (semi == std::string_view::npos || semi - pos_ > 8) fail(pos_, "'&' that starts no entity (write &amp;)");
      const std::string_view entity = text_.substr(pos_ + 1, semi - pos_ - 1);
      if (entity == "lt") out += '<';
      else if (entity == "gt") out += '>';
      else if (entity == "amp") out += '&';
      else if (entity == "quot") out += '"';
      else if (entity == "apos") out += '\'';
      else out += char_reference(entity);
      pos_ = semi + 1;
    }
    ++pos_;
    return out;
  }
  char char_reference(std::string_view entity) const {
    // Found by fuzz_platform: "&;" (an empty entity) must not reach substr(1).
    const bool hex = entity.size() > 1 && entity[0] == '#' && (entity[1] == 'x' || entity[1] == 'X');
    const std::string_view digits = entity.empty() ? entity : entity.substr(hex ? 2 : 1);
    if (entity.empty() || entity[0] != '#' || digits.empty())
      fail(pos_, fmt::format("unknown entity {}: only &lt; &gt; &amp; &quot; &apos; and &#N;",
                             shown(fmt::format("&{};", entity))));
    std::uint32_t code = 0;
    for (const char d : digits) {
      const int v = d >= '0' && d <= '9' ? d - '0'
                    : hex && d >= 'a' && d <= 'f' ? d - 'a' + 10
                    : hex && d >= 'A' && d <= 'F' ? d - 'A' + 10
                                                  : -1;
      if (v < 0) fail(pos_, "a character reference with a stray digit");
      code = code * (hex ? 16 : 10) + static_cast<std::uint32_t>(v);
      if (code > 0x10FFFF) break;
    }
    if (code == 0 || code > 0x7E) fail(pos_, "a character reference outside printable ASCII");
    return static_cast<char>(code);
  }

  void start_tag() {
    const std::size_t open = pos_++;
    if (doc_.elements.size() >= max_elements_)
      fail(open, fmt::format("more than {} elements: too large for a platform file", max_elements_));
    if (!doc_.elements.empty() && open_.empty()) fail(open, "a second top-level element: only one <platform>");
    Element e;
    e.where = at(open);
    e.name = name();
    e.parent = open_.empty() ? -1 : open_.back();
    e.depth = static_cast<int>(open_.size());
    if (e.depth > max_depth_) fail(open, fmt::format("elements nested deeper than {}", max_depth_));
    for (;;) {
      const std::size_t before = pos_;
      skip_blanks();
      if (pos_ >= text_.size()) fail(open, fmt::format("<{} that never ends (no >)", e.name));
      if (text_[pos_] == '>' || text_.substr(pos_, 2) == "/>") break;
      if (before == pos_) fail(pos_, "expected a blank before the attribute");
      const std::size_t key_at = pos_;
      std::string key = name();
      skip_blanks();
      if (pos_ >= text_.size() || text_[pos_] != '=') fail(pos_, fmt::format("expected = after {}", key));
      ++pos_;
      skip_blanks();
      if (pos_ >= text_.size() || (text_[pos_] != '"' && text_[pos_] != '\''))
        fail(pos_, "expected a quoted attribute value");
      if (e.attribute(key) != nullptr) fail(key_at, fmt::format("attribute {} given twice", key));
      e.attributes.emplace_back(std::move(key), value());
    }
    const bool empty = text_[pos_] == '/';
    pos_ += empty ? 2 : 1;
    const int index = static_cast<int>(doc_.elements.size());
    doc_.elements.push_back(std::move(e));
    if (!empty) open_.push_back(index);
  }

  void end_tag() {
    const std::size_t open = pos_;
    pos_ += 2;
    const std::string closed = name();
    skip_blanks();
    if (pos_ >= text_.size() || text_[pos_] != '>') fail(pos_, "expected > to end the tag");
    ++pos_;
    if (open_.empty()) fail(open, fmt::format("</{}> closes nothing", closed));
    const auto& e = doc_.elements[static_cast<std::size_t>(open_.back())];
    if (e.name != closed)
      fail(open, fmt::format("</{}> where <{}> (line {}) is open", closed, e.name, e.where.line));
    open_.pop_back();
  }

  std::string_view text_;
  const std::string& file_;
  int max_depth_;
  std::size_t max_elements_;
  std::vector<std::size_t> line_starts_;
  std::size_t pos_ = 0;
  Document doc_;
  std::vector<int> open_;
};

}  // namespace

const std::string* Element::attribute(std::string_view key) const {
  for (const auto& [k, v] : attributes)
    if (k == key) return &v;
  return nullptr;
}

Document read(std::string_view text, const std::string& file, int max_depth, std::size_t max_elements) {
  return Reader(text, file, max_depth, max_elements).run();
}

}  // namespace mxsim::scenario::xml
