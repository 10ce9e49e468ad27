// Receiving-side presets (`servers.H.software`): how many SMTP sessions a
// stock installation of each MTA serves at once, how many connections wait
// in its listen queue, and what a connection beyond both meets. Values and
// their sources are in server_software.cpp.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "scenario/scenario.hpp"

namespace mxsim::scenario {

struct ServerSoftware {
  const char* name;
  int sessions;
  int backlog;
  Overflow overflow;
};

// The presets this build knows, in a fixed order: the one list of their names.
const std::vector<std::string>& server_software_names();

// The preset named `name`; nullptr for a name not in server_software_names().
const ServerSoftware* server_software(std::string_view name);

// Sets the preset's sessions, backlog and overflow on `spec` (the loader
// applies it before the server's explicit keys, which override it).
void apply_software(ServerSpec& spec, const ServerSoftware& software);

}  // namespace mxsim::scenario
