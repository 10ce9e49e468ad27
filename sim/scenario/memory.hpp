// A run's peak memory, estimated before it starts from what the scenario asks
// for, as virtual memory (what `ulimit -v` bounds): the process and its
// libraries, the messages alive at worst, MTAs and their caching resolvers,
// SimGrid's actors and their stacks, and the optional Paje trace. `run`
// refuses a scenario whose estimate exceeds the `memory` limit (half of the
// physical memory unless raised); `validate --estimate` prints it.
#pragma once

#include <cstdint>

#include "scenario/scenario.hpp"
#include "scenario/topology.hpp"

namespace mxsim::scenario {

struct MemoryEstimate {
  double process = 0;    // the program, SimGrid and their libraries, mapped
  double messages = 0;   // every message of the run alive at once (the worst: nothing delivered)
  double mtas = 0;       // MTAs, their host memory (every address) and policies
  double resolvers = 0;  // caching resolvers, each holding its domains' MX sets
  double actors = 0;     // network sessions: SimGrid actors (one per activity in flight) and their stacks
  double periodic = 0;   // network sessions: host state changes SimGrid keeps
  double reports = 0;    // time series bins in memory, the Paje trace's buffers
  double total() const { return process + messages + mtas + resolvers + actors + periodic + reports; }
};

MemoryEstimate estimate_memory(const Scenario& scenario, const Topology& topology, bool paje);

// Half the machine's physical memory (sysconf), in whole MiB: the default of
// the `memory` limit.
std::uint64_t default_memory_budget();

}  // namespace mxsim::scenario
