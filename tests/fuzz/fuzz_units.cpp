// libFuzzer target: durations, rates and the network quantities ("250ms",
// "20/s", "100Mbps", "60KB", "1Gf"). A value that parses is finite and not
// negative, and formatting a duration does not fail.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

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
  // Bandwidth, flops and speed are positive; sizes may be 0.
  using Parser = std::optional<double> (*)(std::string_view, std::string*);
  for (const auto& [parse, positive] :
       {std::pair<Parser, bool>{mxsim::util::parse_bandwidth, true},
        {mxsim::util::parse_bytes, false},
        {mxsim::util::parse_flops, true},
        {mxsim::util::parse_speed, true}}) {
    why.clear();
    if (const auto v = parse(text, &why)) {
      if (!std::isfinite(*v) || *v < 0 || (positive && *v == 0)) std::abort();
    } else if (why.empty()) {
      std::abort();
    }
  }
  return 0;
}
