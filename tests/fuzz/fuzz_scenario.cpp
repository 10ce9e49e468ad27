// libFuzzer target: the scenario loader (YAML, units, zone text, checks).
// Any input must load or throw util::InputError; anything else (another
// exception, a crash, a sanitizer report, a hang) is a bug in mxsim.
#include <cstddef>
#include <cstdint>
#include <string>

#include "scenario/scenario.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  // A budget for aliases smaller than the default 16 MiB keeps each input fast.
  mxsim::scenario::Limits limits;
  limits.file_size = 1 << 20;
  try {
    // A directory that does not exist: a relative zone_file names nothing.
    const auto scenario = mxsim::scenario::load_text(text, "/nonexistent-fuzz/scenario.yaml", limits);
    // What the loader accepted must build: the run does this again.
    (void)mxsim::scenario::build_zone(scenario);
  } catch (const mxsim::util::InputError&) {
  }
  return 0;
}
