// Runs a scenario on SimGrid: the engine supplies simulated time and the
// host outages; the model (model/world.hpp) does the rest. No SimGrid type
// appears in this header.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

#include <nlohmann/json.hpp>

#include "scenario/scenario.hpp"

namespace mxsim::engine {

struct Options {
  std::uint64_t seed = 1;
  std::ostream* timeseries = nullptr;
  std::ostream* queue = nullptr;
  bool sim_log = false;  // let SimGrid print its own log
};

struct Result {
  nlohmann::json summary;
  bool conserved = true;  // submitted == delivered + bounced + pending
  bool deadlock = false;  // SimGrid ended the run early
  std::uint64_t messages = 0;
};

// One run per process: SimGrid allows a single engine per process.
Result run(const scenario::Scenario& scenario, const Options& options);

}  // namespace mxsim::engine
