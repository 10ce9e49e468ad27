// The command registry, the version text, and the names of the signals that
// stop a command.
#include "app/command.hpp"

#include <algorithm>
#include <csignal>

#include <fmt/format.h>

// Pitfall: simgrid/version.h (3.32) uses the macros of xbt/base.h without including it.
#include <xbt/base.h>

#include <simgrid/version.h>

#include "git_revision.hpp"  // MXSIM_GIT_REVISION, written at build time (packaging/git-revision.cmake)

namespace mxsim::app {

namespace {
std::vector<Command>& registry() {
  static std::vector<Command> list;
  return list;
}
}  // namespace

bool register_command(const Command& command) {
  auto& list = registry();
  list.push_back(command);
  std::sort(list.begin(), list.end(), [](const Command& a, const Command& b) { return a.order < b.order; });
  return true;
}

const std::vector<Command>& commands() { return registry(); }

std::string version_text() {
  int major = 0, minor = 0, patch = 0;
  sg_version_get(&major, &minor, &patch);
  return fmt::format("mxsim {}\ngit revision {}\nSimGrid {}.{}.{}\n", MXSIM_VERSION, MXSIM_GIT_REVISION, major, minor,
                     patch);
}

const char* signal_name(int signal) {
  switch (signal) {
    case SIGINT: return "SIGINT";
    case SIGTERM: return "SIGTERM";
    case SIGHUP: return "SIGHUP";
    case SIGPIPE: return "SIGPIPE";
    default: return "a signal";
  }
}

}  // namespace mxsim::app
