// The one CSV writer of mxsim: every CSV file it writes (trace, servers,
// timeseries, queue, compare, sweep) builds its lines here, so that a name
// with a comma, a quote or a line break stays one field (RFC 4180); and the
// reader `mxsim merge` parses sweep files with.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace mxsim::util {

// A field as RFC 4180 writes it: quoted (and its quotes doubled) when it
// holds a comma, a quote, CR or LF; as it is otherwise.
std::string csv_field(std::string_view text);

// One line of fields, separated by commas, ended by "\n" on finish().
class CsvLine {
 public:
  // A text field, quoted when it needs it.
  CsvLine& text(std::string_view value);
  // A field written as given: numbers and other text that never needs quotes.
  CsvLine& raw(std::string_view value);
  CsvLine& empty() { return raw(""); }
  std::string finish() { return std::move(line_) + "\n"; }

 private:
  void separate();
  std::string line_;
  bool first_ = true;
};

// One record of a CSV text: its fields, and its exact text (for writing it
// out again byte for byte). A record may span lines when a quoted field
// holds a line break. A line that starts with '#' outside a record is a
// comment: one field, its text without the line break.
struct CsvRecord {
  std::vector<std::string> fields;
  std::string raw;        // without its final line break
  std::size_t line = 0;   // where it starts, from 1
  bool comment = false;
};

// Throws std::invalid_argument("line N: ...") for a quote that never closes
// or text after a closing quote.
std::vector<CsvRecord> parse_csv(std::string_view text);

}  // namespace mxsim::util
