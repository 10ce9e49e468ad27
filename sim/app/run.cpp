// `mxsim run`: load a scenario, simulate it on SimGrid, print and write the reports.
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <boost/program_options.hpp>
#include <fmt/format.h>
#include <fmt/ostream.h>

#include "app/command.hpp"
#include "engine/engine.hpp"
#include "report/writers.hpp"
#include "scenario/scenario.hpp"
#include "selection/policy.hpp"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace mxsim::app {
namespace {

// Set by SIGINT/SIGTERM: the run stops at its next check and writes what it
// measured so far, marked "complete": false.
std::atomic<bool> stop_requested{false};
std::atomic<int> stop_signal{0};

extern "C" void on_stop_signal(int signal) {
  stop_signal.store(signal);
  stop_requested.store(true);
}

int run_command(const std::vector<std::string>& args) {
  po::options_description options("mxsim run SCENARIO [options]\n\nSimulate SCENARIO (a YAML file, see README.md) "
                                   "and print a summary.\n\noptions");
  std::string scenario_path, out_dir, trace_path, paje_path, policy, format = "text";
  std::uint64_t seed = 0;
  std::vector<std::string> limits;
  // clang-format off
  options.add_options()
      ("help,h", "describe the options")
      ("seed", po::value<std::uint64_t>(&seed), "random seed (default: the scenario's `seed`, else 1)")
      ("out", po::value<std::string>(&out_dir),
       "directory to write summary.json, servers.csv, timeseries.csv and queue.csv into (created if missing)")
      ("format", po::value<std::string>(&format)->default_value("text"),
       "what to print on stdout: text (human summary), json (summary.json) or csv (servers.csv)")
      ("quiet,q", "print nothing on stdout (files from --out are still written)")
      ("selection", po::value<std::string>(&policy),
       "MX selection policy for every sender group, overriding `selection:` and the profiles' own "
       "(names: mxsim policies)")
      ("trace", po::value<std::string>(&trace_path),
       "write one CSV line per connection attempt to this file (start_s, message, sender, mta, address, host, "
       "outcome, duration_s), in order of start_s; off by default")
      ("sim-log", "let SimGrid print its own log messages (silenced by default)")
      ("paje", po::value<std::string>(&paje_path),
       "write SimGrid's Paje trace of the run (hosts, links and their use over time) to this file, for Paje "
       "viewers such as ViTE; off by default")
      ("limit", po::value<std::vector<std::string>>(&limits),
       "NAME=VALUE: raise a limit on what the scenario may ask for (repeatable; the limits are listed below)");
  // clang-format on
  po::options_description hidden;
  hidden.add_options()("scenario", po::value<std::string>(&scenario_path));
  po::options_description all;
  all.add(options).add(hidden);
  po::positional_options_description positional;
  positional.add("scenario", 1);
  po::variables_map vm;
  po::store(po::command_line_parser(args).options(all).positional(positional).run(), vm);
  po::notify(vm);
  if (vm.count("help")) {
    std::cout << options << "\nProgress goes to stderr when it is a terminal. SIGINT or SIGTERM stops the run: "
                 "what was measured so far is written, marked \"complete\": false.\n"
                 "exit codes: 0 success, 1 the run broke conservation, 2 unusable input, 130 SIGINT, 143 SIGTERM\n"
              << "\nlimits (--limit NAME=VALUE; beyond one the scenario is unusable input):\n"
              << scenario::limit_help();
    return kExitOk;
  }
  if (scenario_path.empty()) throw po::error("missing SCENARIO (see mxsim run --help)");
  if (format != "text" && format != "json" && format != "csv")
    throw po::error(fmt::format("--format must be text, json or csv, not \"{}\"", format));

  if (vm.count("selection") && !selection::is_policy(policy))
    throw po::error(fmt::format("--selection: unknown policy \"{}\" (see mxsim policies)", policy));
  auto scenario = scenario::load_file(scenario_path, scenario::parse_limits(limits));
  if (vm.count("selection"))
    for (auto& group : scenario.senders) group.selection = policy;
  engine::Options run_options;
  run_options.seed = vm.count("seed") ? seed : scenario.seed;
  run_options.sim_log = vm.count("sim-log") > 0;
  run_options.paje = paje_path;
  run_options.stop = &stop_requested;
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
  // Progress only for a person watching: never when stderr is a file or pipe.
  if (isatty(STDERR_FILENO)) {
    run_options.progress_interval_s = 2.0;
    run_options.progress = [last_messages = std::uint64_t{0}, interval = run_options.progress_interval_s](
                               double simulated_s, std::uint64_t messages) mutable {
      fmt::print(stderr, "\r{:>12.0f} s simulated, {:>12} messages, {:>10.0f} messages/s  ", simulated_s, messages,
                 static_cast<double>(messages - last_messages) / interval);
      last_messages = messages;
    };
  }

  std::unique_ptr<AtomicFile> timeseries, queue;
  if (!out_dir.empty()) {
    fs::create_directories(out_dir);
    timeseries = std::make_unique<AtomicFile>(fs::path(out_dir) / "timeseries.csv");
    queue = std::make_unique<AtomicFile>(fs::path(out_dir) / "queue.csv");
    run_options.timeseries = &timeseries->stream();
    run_options.queue = &queue->stream();
  }
  std::unique_ptr<AtomicFile> trace;
  if (!trace_path.empty()) {
    trace = std::make_unique<AtomicFile>(trace_path);
    run_options.trace = &trace->stream();
  }
  const auto result = engine::run(scenario, run_options);
  if (trace) trace->commit();
  if (run_options.progress) fmt::print(stderr, "\r{:80}\r", "");

  if (!out_dir.empty()) {
    timeseries->commit();
    queue->commit();
    AtomicFile summary(fs::path(out_dir) / "summary.json");
    summary.stream() << report::summary_json_text(result.summary);
    summary.commit();
    AtomicFile servers(fs::path(out_dir) / "servers.csv");
    report::write_servers_csv(result.summary, servers.stream());
    servers.commit();
  }
  if (!vm.count("quiet")) {
    if (format == "json") {
      std::cout << report::summary_json_text(result.summary);
    } else if (format == "csv") {
      report::write_servers_csv(result.summary, std::cout);
    } else {
      report::write_text(result.summary, std::cout);
    }
  }
  if (!result.complete) {
    const int signal = stop_signal.load();
    fmt::print(stderr, "mxsim: {}: interrupted at {} s simulated; the reports are partial (\"complete\": false)\n",
               scenario_path, result.summary.simulated_s);
    return signal == SIGTERM ? kExitSigterm : kExitSigint;
  }
  if (!result.conserved || result.deadlock) {
    fmt::print(stderr, "mxsim: {}: the run broke conservation of messages (submitted != delivered + bounced + "
               "pending){}\n", scenario_path, result.deadlock ? " after SimGrid reported a deadlock" : "");
    return kExitFindings;
  }
  return kExitOk;
}

const bool registered = register_command({"run", "simulate a scenario and report latency and load", run_command, 10});

}  // namespace
}  // namespace mxsim::app
