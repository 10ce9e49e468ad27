// A scenario's SimGrid platform file checked before SimGrid sees it: the
// XML read by mxsim's own strict reader, the hosts the scenario maps onto,
// and a route each way between every sender's host and every server's host
// (SimGrid 3.32 crashes on a pair without one: SIGSEGV in route_to when no
// route is declared, SIGABRT mid-run when only one direction is).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "scenario/limits.hpp"
#include "scenario/scenario.hpp"
#include "scenario/topology.hpp"

namespace mxsim::scenario {

// The platform hosts a run binds: each server's (its host name, else its
// address, as the engine looks them up) and each model sender group's (a
// sender group's name; a relay's is its server's).
struct PlatformBinding {
  struct Host {
    std::vector<std::string> names;  // the first the platform has is the one
    std::string what;                // "server mx1.example.com (192.0.2.10)"
  };
  std::vector<Host> servers;
  std::vector<Host> groups;
};
PlatformBinding platform_binding(const Scenario& scenario, const Topology& topology);

// Reads `text` (the platform file `file`) and checks `binding` against it.
// Throws util::InputError: located in the platform file for malformed XML,
// elements mxsim does not let SimGrid act on (<config>, <include>, anything
// naming another file, deployment), a missing or one-way route (at the route
// or the zone that lacks it); at `platform_where` for a host the file lacks.
void check_platform_text(std::string_view text, const std::string& file, const PlatformBinding& binding,
                         const Location& platform_where, const Limits& limits);

// The same for the scenario's own platform file (nothing without one).
void check_platform(const Scenario& scenario, const Topology& topology, const Limits& limits);

}  // namespace mxsim::scenario
