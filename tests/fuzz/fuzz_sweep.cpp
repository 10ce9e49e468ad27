// libFuzzer target: sweep files (sim/sweep). The input is read as a sweep
// file in tests/data/sweep, so `scenario: mini.yaml` names a real scenario;
// the first points' scenario texts are written and read back by the
// scenario loader. Only util::InputError may come out.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

#include "scenario/scenario.hpp"
#include "sweep/sweep.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  mxsim::scenario::Limits limits;
  limits.file_size = 1 << 20;
  try {
    const auto sweep = mxsim::sweep::Sweep::load_text(text, MXSIM_TEST_DATA "/sweep/fuzz-input.yaml");
    const std::size_t points = std::min<std::size_t>(sweep.points(), 3);
    for (std::size_t i = 0; i < points; ++i) {
      const std::string scenario = sweep.scenario_text(sweep.point(i));
      try {
        (void)mxsim::scenario::load_text(scenario, sweep.scenario_path(), limits);
      } catch (const mxsim::util::InputError&) {
      }
    }
  } catch (const mxsim::util::InputError&) {
  }
  return 0;
}
