// RFC 4180 quoting for every CSV file mxsim writes, and its reading.
#include "util/csv.hpp"

#include <stdexcept>

#include <fmt/format.h>

namespace mxsim::util {

std::string csv_field(std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

void CsvLine::separate() {
  if (!first_) line_ += ',';
  first_ = false;
}

CsvLine& CsvLine::text(std::string_view value) {
  separate();
  line_ += csv_field(value);
  return *this;
}

CsvLine& CsvLine::raw(std::string_view value) {
  separate();
  line_ += value;
  return *this;
}

std::vector<CsvRecord> parse_csv(std::string_view text) {
  std::vector<CsvRecord> out;
  std::size_t i = 0, line = 1;
  while (i < text.size()) {
    CsvRecord record{.fields = {}, .raw = {}, .line = line, .comment = false};
    const std::size_t start = i;
    if (text[i] == '#') {
      const std::size_t end = std::min(text.find('\n', i), text.size());
      record.comment = true;
      record.raw = std::string(text.substr(i, end - i));
      record.fields.push_back(record.raw);
      out.push_back(std::move(record));
      i = end + 1;
      ++line;
      continue;
    }
    std::string field;
    bool quoted = false, after_quote = false;
    for (;; ++i) {
      if (i == text.size() || (!quoted && (text[i] == '\n' || text[i] == ','))) {
        record.fields.push_back(std::move(field));
        field.clear();
        after_quote = false;
        if (i < text.size() && text[i] == ',') continue;
        break;
      }
      const char c = text[i];
      if (quoted) {
        if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
          field += '"';
          ++i;
        } else if (c == '"') {
          quoted = false;
          after_quote = true;
        } else {
          if (c == '\n') ++line;
          field += c;
        }
      } else if (c == '"' && field.empty() && !after_quote) {
        quoted = true;
      } else if (after_quote && c != '\r') {
        throw std::invalid_argument(fmt::format("line {}: text after a closing quote", line));
      } else if (c != '\r') {
        field += c;
      }
    }
    if (quoted) throw std::invalid_argument(fmt::format("line {}: a quoted field never ends", record.line));
    record.raw = std::string(text.substr(start, i - start));
    if (!record.raw.empty() && record.raw.back() == '\r') record.raw.pop_back();
    out.push_back(std::move(record));
    i = std::min(i, text.size()) + 1;
    ++line;
  }
  return out;
}

}  // namespace mxsim::util
