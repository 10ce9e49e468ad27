// Soak benchmark (not a test): runs bench/engine-bench.yaml on SimGrid for a
// large number of messages and prints, every --every messages, the
// throughput since the last line and the resident memory, so that a leak or a
// structure that grows with the messages simulated shows as a rising column.
//   mxsim_soak [--messages N] [--every K] [--scenario FILE]
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "engine/engine.hpp"
#include "scenario/scenario.hpp"

namespace {

using namespace mxsim;

// A "VmRSS:   1234 kB" line of /proc/self/status, in MB (0 when absent).
double status_mb(std::string_view key) {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);) {
    if (line.compare(0, key.size(), key) == 0 && line.size() > key.size() && line[key.size()] == ':')
      return std::strtod(line.c_str() + key.size() + 1, nullptr) / 1024.0;
  }
  return 0;
}

struct Args {
  double messages = 1e8;
  double every = 1e6;
  std::string scenario = MXSIM_BENCH_DIR "/engine-bench.yaml";
};

Args parse_args(int argc, char** argv) {
  Args args;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--messages" && has_value) {
      args.messages = std::strtod(argv[++i], nullptr);
    } else if (arg == "--every" && has_value) {
      args.every = std::strtod(argv[++i], nullptr);
    } else if (arg == "--scenario" && has_value) {
      args.scenario = argv[++i];
    } else {
      fmt::print(stderr,
                 "usage: mxsim_soak [--messages N (1e8)] [--every K (1e6)] [--scenario FILE]\n"
                 "Prints CSV: messages,simulated_s,wall_s,msgs_per_s,rss_mb,peak_rss_mb\n");
      std::exit(arg == "--help" || arg == "-h" ? 0 : 2);
    }
  }
  if (!(args.messages >= 1) || !(args.every >= 1)) {
    fmt::print(stderr, "mxsim_soak: --messages and --every must be at least 1\n");
    std::exit(2);
  }
  return args;
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = parse_args(argc, argv);
  auto scenario = scenario::load_file(args.scenario);
  // The arrival window that gives the message count (the file's limits
  // guard files, not this benchmark).
  double rate = 0;
  for (const auto& group : scenario.senders) rate += group.rate;
  scenario.duration = args.messages / rate;
  scenario.horizon.reset();

  fmt::print("# {}: {:.0f} messages at {:g}/s, {:.0f} s of arrivals\n", args.scenario, args.messages, rate,
             scenario.duration);
  fmt::print("messages,simulated_s,wall_s,msgs_per_s,rss_mb,peak_rss_mb\n");
  std::fflush(stdout);

  const auto start = std::chrono::steady_clock::now();
  auto last_wall = start;
  double next_line = args.every;
  double last_messages = 0;
  engine::Options options;
  options.seed = scenario.seed;
  options.progress_interval_s = 0;  // asked every few thousand events; the count decides
  options.progress = [&](double simulated_s, std::uint64_t submitted) {
    const auto messages = static_cast<double>(submitted);
    if (messages < next_line) return;
    const auto now = std::chrono::steady_clock::now();
    const double interval = std::chrono::duration<double>(now - last_wall).count();
    fmt::print("{:.0f},{:.0f},{:.2f},{:.0f},{:.1f},{:.1f}\n", messages, simulated_s,
               std::chrono::duration<double>(now - start).count(),
               interval > 0 ? (messages - last_messages) / interval : 0.0, status_mb("VmRSS"),
               status_mb("VmHWM"));
    std::fflush(stdout);
    last_wall = now;
    last_messages = messages;
    while (next_line <= messages) next_line += args.every;
  };
  const auto result = engine::run(scenario, options);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  fmt::print("# done: {} messages in {:.1f} s ({:.0f} msgs/s), peak RSS {:.1f} MB, conserved {}, deadlock {}\n",
             result.messages, wall, static_cast<double>(result.messages) / wall, status_mb("VmHWM"),
             result.conserved, result.deadlock);
  return result.conserved && !result.deadlock ? 0 : 1;
}
