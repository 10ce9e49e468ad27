// RFC 4180 quoting for every CSV file mxsim writes.
#include "util/csv.hpp"

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

}  // namespace mxsim::util
