// Child processes: fork, redirect, exec /proc/self/exe; reap with waitpid;
// the job loop of compare and sweep on top.
#include "app/children.hpp"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>

#include "app/command.hpp"
#include "util/units.hpp"

namespace fs = std::filesystem;

namespace mxsim::app {
namespace {

std::atomic<int> caught_signal{0};

extern "C" void on_batch_stop_signal(int signal) { caught_signal.store(signal); }

// Runs this same executable (/proc/self/exe) with `args` (args[0] is the
// program name), stdout and stderr to the files named. Throws on fork failure.
pid_t start_self(const std::vector<std::string>& args, const fs::path& out, const fs::path& err) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error(fmt::format("cannot start a child process: {}", std::strerror(errno)));
  if (pid == 0) {
    // Only async-signal-safe calls between fork and exec. The child stops
    // (SIGTERM: it writes what it has) when this process ends, even by
    // SIGKILL; if that happened before prctl, it is already an orphan.
    if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != parent) _exit(127);
    const int out_fd = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err_fd = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (out_fd < 0 || err_fd < 0 || dup2(out_fd, STDOUT_FILENO) < 0 || dup2(err_fd, STDERR_FILENO) < 0) _exit(127);
    close(out_fd);
    close(err_fd);
    execv("/proc/self/exe", argv.data());
    _exit(127);
  }
  return pid;
}

// Running children by pid, each with its job number. Whatever is still
// running when this goes out of scope is sent SIGTERM and reaped.
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
  // false when nothing runs or a signal arrived (check the stop flag).
  bool wait(std::size_t& job, int& status);

 private:
  std::map<pid_t, std::size_t> running_;
};

Children::~Children() {
  terminate();
  for (const auto& [pid, job] : running_) waitpid(pid, nullptr, 0);
}

void Children::terminate() {
  for (const auto& [pid, job] : running_) kill(pid, SIGTERM);
}

bool Children::wait(std::size_t& job, int& status) {
  while (!running_.empty()) {
    const pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid > 0) {
      const auto it = running_.find(pid);
      if (it == running_.end()) continue;  // not ours
      job = it->second;
      running_.erase(it);
      return true;
    }
    if (pid < 0 && errno != EINTR) return false;
    // A signal handler that sets a stop flag interrupts the sleep.
    struct timespec pause {0, 10'000'000};
    if (nanosleep(&pause, nullptr) != 0 && errno == EINTR) return false;
  }
  return false;
}

}  // namespace

void catch_stop_signals() {
  struct sigaction action {};
  action.sa_handler = on_batch_stop_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;
  for (const int signal : {SIGINT, SIGTERM, SIGHUP, SIGPIPE}) sigaction(signal, &action, nullptr);
}

int stop_signal() { return caught_signal.load(); }

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TempDir::TempDir(const std::string& prefix) {
  const char* base = std::getenv("TMPDIR");
  std::string pattern = (fs::path(base && *base ? base : "/tmp") / (prefix + "-XXXXXX")).string();
  if (!mkdtemp(pattern.data()))
    throw std::runtime_error(fmt::format("cannot create {}: {}", pattern, std::strerror(errno)));
  path_ = pattern;
  start_sweeper();
}

// A grandchild, detached from this process's group, holds the read end of a
// pipe whose write end only this process has: when this process ends,
// however (SIGKILL included), the read sees end-of-file and the grandchild
// removes the directory. Called before any thread or child exists.
void TempDir::start_sweeper() {
  int ends[2];
  if (pipe2(ends, O_CLOEXEC) != 0) {
    const int error = errno;
    std::error_code ignored;
    fs::remove_all(path_, ignored);
    throw std::runtime_error(fmt::format("cannot watch {}: {}", path_.string(), std::strerror(error)));
  }
  const pid_t middle = fork();
  if (middle == 0) {
    if (fork() != 0) _exit(0);  // the grandchild is adopted by init: nobody has to reap it
    setsid();
    for (const int signal : {SIGINT, SIGTERM, SIGHUP, SIGPIPE}) std::signal(signal, SIG_IGN);
    const int null = open("/dev/null", O_RDWR);
    dup2(ends[0], STDIN_FILENO);
    if (null >= 0) {
      dup2(null, STDOUT_FILENO);
      dup2(null, STDERR_FILENO);
    }
    syscall(SYS_close_range, 3U, ~0U, 0U);  // the write end, locks, anything else held
    char byte;
    while (read(STDIN_FILENO, &byte, 1) != 0 && errno == EINTR) {
    }
    std::error_code ignored;
    fs::remove_all(path_, ignored);
    _exit(0);
  }
  close(ends[0]);
  if (middle > 0) waitpid(middle, nullptr, 0);
  sweeper_ = ends[1];  // without a sweeper (fork failed) the destructor alone cleans up
}

TempDir::~TempDir() {
  std::error_code ignored;
  fs::remove_all(path_, ignored);
  if (sweeper_ >= 0) close(sweeper_);
}

void run_jobs(std::size_t count, std::size_t parallel, const std::function<ChildCommand(std::size_t)>& command,
              const std::function<void(const JobEnd&)>& finished) {
  Children children;
  std::size_t next = 0;
  bool terminated = false;
  while (true) {
    if (stop_signal() != 0 && !terminated) {
      children.terminate();
      terminated = true;
    }
    while (stop_signal() == 0 && children.size() < parallel && next < count) {
      const auto run = command(next);
      children.add(start_self(run.argv, run.out, run.err), next);
      ++next;
    }
    if (children.size() == 0) break;
    std::size_t job = 0;
    int status = 0;
    if (!children.wait(job, status)) continue;  // a signal: the loop looks at the stop flag
    const bool exited = WIFEXITED(status);
    const int code = exited ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (stop_signal() != 0 && (code == kExitSigint || code == kExitSigterm || !exited)) continue;  // cut short
    finished({job, code, children.size()});
  }
}

long default_jobs() {
  const long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  return cpus < 1 ? 1 : cpus;
}

void warn_about_jobs(const char* command, long jobs) {
  const long cpus = default_jobs();
  if (jobs > cpus)
    fmt::print(stderr, "mxsim {}: warning: --jobs {} is more than the {} CPUs: the runs share them and each takes "
               "longer (and holds its memory longer)\n", command, jobs, cpus);
}

void announce_runs(const char* command, std::size_t runs, double messages, double seconds, long jobs,
                   const scenario::Limits& limits) {
  // Runs beyond the CPUs share them: no faster than the CPUs allow.
  const double parallel = static_cast<double>(std::max(1L, std::min(jobs, default_jobs())));
  const double wall = seconds / parallel;
  const std::string text = fmt::format("{} runs, about {:.3g} messages in all, about {} at {} at a time", runs,
                                       messages, util::format_duration(wall), jobs);
  if (runs > limits.runs)
    throw std::runtime_error(fmt::format("{}: more runs than {}", text, scenario::limit_note(limits, "runs")));
  // Quick ones say nothing unless someone watches; long ones say it in logs too.
  constexpr double kAlwaysSaidAbove = 600;
  if (isatty(STDERR_FILENO) != 0 || wall > kAlwaysSaidAbove) fmt::print(stderr, "mxsim {}: {}\n", command, text);
}

}  // namespace mxsim::app
