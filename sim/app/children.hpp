// Child `mxsim` processes for the commands that run many simulations
// (SimGrid allows one engine per process): start one with its stdout and
// stderr in files, terminate and reap whatever is left on the way out.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace mxsim::app {

// SIGINT and SIGTERM from now on set stop_signal() instead of ending the
// process; no SA_RESTART, so a blocking wait for children notices them.
void catch_stop_signals();
// The signal caught (0: none yet).
int stop_signal();

// A whole file as text ("" when it cannot be read).
std::string read_text(const std::filesystem::path& path);

// A private directory under $TMPDIR (or /tmp), removed with its contents.
class TempDir {
 public:
  explicit TempDir(const std::string& prefix);
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Runs this same executable (/proc/self/exe) with `args` (args[0] is the
// program name), stdout and stderr to the files named. Throws on fork failure.
pid_t start_self(const std::vector<std::string>& args, const std::filesystem::path& out,
                 const std::filesystem::path& err);

// Running children by pid, each with the caller's job number. Whatever is
// still running when this goes out of scope is sent SIGTERM and reaped.
class Children {
 public:
  Children() = default;
  ~Children();
  Children(const Children&) = delete;
  Children& operator=(const Children&) = delete;

  void add(pid_t pid, std::size_t job) { running_.emplace(pid, job); }
  std::size_t size() const { return running_.size(); }
  void terminate();  // SIGTERM to every running child
  // A finished child: its job and wait status. Polls every 10 ms; returns
  // false when nothing runs or a signal arrived (check your stop flag).
  bool wait(std::size_t& job, int& status);

 private:
  std::map<pid_t, std::size_t> running_;
};

}  // namespace mxsim::app
