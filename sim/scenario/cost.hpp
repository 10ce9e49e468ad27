// What one run of a scenario will cost, estimated before it starts: the
// messages it submits and the wall time at this build's measured pace
// (docs/developing.md, Benchmarks). `sweep` and `compare` print the sum for
// all their runs before starting any.
#pragma once

#include "scenario/scenario.hpp"

namespace mxsim::scenario {

struct RunCost {
  double messages = 0;  // expected arrivals: the groups' total rate x duration
  double seconds = 0;   // wall time, process start included
};
RunCost estimate_run(const Scenario& scenario);

}  // namespace mxsim::scenario
