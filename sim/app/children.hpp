// Child `mxsim` processes for the commands that run many simulations
// (SimGrid allows one engine per process): one job runner for compare and
// sweep, the stop signals they obey, and their temporary directories.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "scenario/limits.hpp"

namespace mxsim::app {

// `--jobs`: the number of CPUs by default; more than that is allowed (the
// runs then share the CPUs and each takes longer) but warned about.
long default_jobs();
void warn_about_jobs(const char* command, long jobs);

// Before a command that runs many simulations starts: prints on stderr how
// many runs, their messages and an estimate of the wall time at `jobs` at a
// time; throws std::runtime_error (exit 2) above the limit `runs`.
void announce_runs(const char* command, std::size_t runs, double messages, double seconds, long jobs,
                   const scenario::Limits& limits);

// SIGINT, SIGTERM, SIGHUP and SIGPIPE from now on set stop_signal() instead
// of ending the process; no SA_RESTART, so a blocking wait for children
// notices them.
void catch_stop_signals();
// The signal caught (0: none yet).
int stop_signal();

// A whole file as text ("" when it cannot be read).
std::string read_text(const std::filesystem::path& path);

// A private directory under $TMPDIR (or /tmp), removed with its contents
// when this goes out of scope, or by a watcher process when this process
// ends without that (SIGKILL).
class TempDir {
 public:
  explicit TempDir(const std::string& prefix);
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  void start_sweeper();
  std::filesystem::path path_;
  int sweeper_ = -1;  // write end of the watcher's pipe
};

// One child run: `mxsim` with argv (argv[0] is the program name), its
// stdout and stderr written to the files named.
struct ChildCommand {
  std::vector<std::string> argv;
  std::filesystem::path out, err;
};

// How the job runner saw a job end.
struct JobEnd {
  std::size_t job;      // 0 .. count - 1
  int code;             // exit code; 128 + signal when a signal ended it
  std::size_t running;  // jobs still running
};

// The job loop of the commands that run many simulations: starts jobs 0 ..
// count - 1 in order as children of this executable, at most `parallel` at a
// time, and calls finished() for each as it ends, in the order they end.
// Needs catch_stop_signals(): after SIGINT or SIGTERM no job starts, the
// running ones are sent SIGTERM, and a job cut short (exit 130 or 143, or
// ended by a signal) is not reported; each child gets SIGTERM too when this
// process ends, however it ends (PR_SET_PDEATHSIG); stop_signal() then says which. An
// exception from command() or finished() terminates and reaps the children.
void run_jobs(std::size_t count, std::size_t parallel, const std::function<ChildCommand(std::size_t)>& command,
              const std::function<void(const JobEnd&)>& finished);

}  // namespace mxsim::app
