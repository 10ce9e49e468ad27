// The one CSV writer of mxsim: every CSV file it writes (trace, servers,
// timeseries, queue, compare, sweep) builds its lines here, so that a name
// with a comma, a quote or a line break stays one field (RFC 4180).
#pragma once

#include <string>
#include <string_view>

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

}  // namespace mxsim::util
