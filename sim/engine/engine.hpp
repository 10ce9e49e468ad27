// Runs a scenario on SimGrid: the engine supplies simulated time and the
// host outages; the model (model/world.hpp) does the rest. No SimGrid type
// appears in this header.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <ostream>
#include <string>

#include "report/summary.hpp"
#include "scenario/scenario.hpp"

namespace mxsim::engine {

struct Options {
  std::uint64_t seed = 1;
  std::ostream* timeseries = nullptr;
  std::ostream* queue = nullptr;
  std::ostream* trace = nullptr;  // one CSV line per connection attempt
  bool sim_log = false;  // let SimGrid print its own log
  std::string paje;      // write SimGrid's Paje trace here (empty: none)
  // Set (from a signal handler, say) to stop the run early: the result then
  // holds what was measured so far, with summary.complete == false.
  const std::atomic<bool>* stop = nullptr;
  // Called about every `progress_interval_s` of wall time with the
  // simulated time reached and the messages submitted so far.
  std::function<void(double simulated_s, std::uint64_t messages)> progress;
  double progress_interval_s = 1.0;
};

struct Result {
  report::Summary summary;
  bool conserved = true;  // submitted == delivered + bounced + pending
  bool deadlock = false;  // SimGrid ended the run early
  bool complete = true;   // false when Options::stop ended the run
  std::uint64_t messages = 0;
  std::uint64_t events = 0;  // model events the run went through
  double wall_s = 0;         // the run's wall time (the summary's wall_s, unrounded)
};

// One run per process: SimGrid allows a single engine per process.
Result run(const scenario::Scenario& scenario, const Options& options);

}  // namespace mxsim::engine
