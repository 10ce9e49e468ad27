// libFuzzer target: durations and rates ("250ms", "20/s"). A value that
// parses is finite and not negative, and formatting it does not fail.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "util/units.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::string why;
  if (const auto d = mxsim::util::parse_duration(text, &why)) {
    if (!std::isfinite(*d) || *d < 0) std::abort();
    (void)mxsim::util::format_duration(*d);
  } else if (why.empty()) {
    std::abort();  // a rejection always says what was expected
  }
  why.clear();
  if (const auto r = mxsim::util::parse_rate(text, &why)) {
    if (!std::isfinite(*r) || *r < 0) std::abort();
  } else if (why.empty()) {
    std::abort();
  }
  return 0;
}
