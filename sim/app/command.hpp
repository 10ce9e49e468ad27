// The subcommands of the mxsim executable. Each lives in its own file and
// registers itself here, so that adding one touches no other file.
#pragma once

#include <string>
#include <vector>

namespace mxsim::app {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFindings = 1;  // findings, failed checks
inline constexpr int kExitUsage = 2;     // unusable input
inline constexpr int kExitSigint = 130;
inline constexpr int kExitSigterm = 143;

using CommandFn = int (*)(const std::vector<std::string>& args);

struct Command {
  const char* name;
  const char* synopsis;  // one line for `mxsim --help`
  CommandFn run;
  int order;             // position in `mxsim --help`
};

// Returns true, so that a command file can register itself at start-up:
//   const bool registered = register_command({"run", "...", run_command, 10});
bool register_command(const Command& command);
const std::vector<Command>& commands();

// `mxsim --version`: this build's version and git revision, and the SimGrid
// library it runs on (asked of the library, not of its headers).
std::string version_text();

// A run stopped by a signal exits 128 + its number (130 SIGINT, 143 SIGTERM,
// 129 SIGHUP, 141 SIGPIPE); its name for messages.
inline int exit_code_for_signal(int signal) { return 128 + signal; }
const char* signal_name(int signal);

}  // namespace mxsim::app
