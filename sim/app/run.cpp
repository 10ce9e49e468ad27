// `mxsim run`: load a scenario, simulate it on SimGrid, print and write the reports.
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/program_options.hpp>
#include <fmt/format.h>
#include <fmt/ostream.h>

#include "app/command.hpp"
#include "app/options.hpp"
#include "app/output.hpp"
#include "engine/engine.hpp"
#include "report/writers.hpp"
#include "scenario/memory.hpp"
#include "scenario/topology.hpp"
#include "scenario/scenario.hpp"
#include "selection/policy.hpp"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace mxsim::app {
namespace {

constexpr const char* kReportFiles[] = {"summary.json", "servers.csv", "timeseries.csv", "queue.csv"};

// Set by SIGINT, SIGTERM, SIGHUP or SIGPIPE, or by an output that cannot be
// written: the run stops at its next check and writes what it measured so
// far, marked "complete": false.
std::atomic<bool> stop_requested{false};
std::atomic<int> stop_signal{0};

extern "C" void on_stop_signal(int signal) {
  stop_signal.store(signal);
  stop_requested.store(true);
}

// --seed as digits only: program_options reads "-1" into an unsigned as 2^64 - 1.
std::uint64_t parse_seed(const std::string& text) {
  std::uint64_t seed = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), seed);
  if (text.empty() || error != std::errc() || end != text.data() + text.size())
    throw po::error(fmt::format("--seed must be a whole number from 0 to 18446744073709551615, not \"{}\"", text));
  return seed;
}

// SimGrid writes the Paje trace to PATH.tmp itself (following links) and
// renames it onto PATH: only a regular file path can take that.
// Refuses, before anything is written, a run whose estimated peak memory is
// above the `memory` limit.
void check_memory(const std::string& path, const scenario::Scenario& scenario, const scenario::Limits& limits,
                  bool paje) {
  const auto db = scenario::build_zone(scenario);
  const scenario::Topology topology(scenario, db);
  const double bytes = scenario::estimate_memory(scenario, topology, paje).total();
  if (bytes <= static_cast<double>(limits.memory)) return;
  throw util::InputError(util::Location{path, 1, 1},
                         fmt::format("the run would need about {:.0f} MiB at its peak (mxsim validate --estimate "
                                     "itemizes it), more than {}",
                                     bytes / (1024.0 * 1024.0), scenario::limit_note(limits, "memory")));
}

void check_paje_path(const std::string& paje) {
  struct stat st {};
  if (paje == "-" || (::stat(paje.c_str(), &st) == 0 && !S_ISREG(st.st_mode)))
    throw po::error(fmt::format("--paje needs a regular file path: SimGrid writes {}.tmp and renames it onto {}, "
                                "which would replace what is there",
                                paje, paje));
  const std::string temp = paje + ".tmp";
  if (::lstat(temp.c_str(), &st) == 0 && !S_ISREG(st.st_mode))
    throw po::error(fmt::format("--paje: {} exists and is no regular file; SimGrid would write through it: remove "
                                "it first",
                                temp));
}

// --stats: wall-time figures, on stderr only (they differ between identical runs).
void print_stats(const engine::Result& result) {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const double wall = result.wall_s > 0 ? result.wall_s : 1e-9;
  fmt::print(stderr,
             "mxsim run: stats: {} events in {:.3f} s wall ({:.0f} events/s), {} messages ({:.0f} messages/s), "
             "peak RSS {:.1f} MB\n",
             result.events, result.wall_s, static_cast<double>(result.events) / wall, result.messages,
             static_cast<double>(result.messages) / wall, static_cast<double>(usage.ru_maxrss) / 1024.0);
}

// What the run reads and writes: nothing it writes may be something it reads
// or something else it writes.
void check_paths(const std::string& scenario_path, const scenario::Scenario& scenario, const std::string& out_dir,
                 const std::string& trace_path, const std::string& paje_path) {
  PathPlan plan;
  plan.input("the scenario", scenario_path);
  plan.input("the scenario's zone", scenario.zone_where.file);
  if (scenario.platform) plan.input("the scenario's platform file", *scenario.platform);
  if (!out_dir.empty())
    for (const char* name : kReportFiles) plan.output(fmt::format("--out's {}", name), (fs::path(out_dir) / name).string());
  if (!trace_path.empty()) plan.output("--trace", trace_path);
  if (!paje_path.empty()) {
    plan.output("--paje", paje_path);
    plan.output("--paje's temporary", paje_path + ".tmp");
  }
  plan.check();
}

int run_command(const std::vector<std::string>& args) {
  po::options_description options("mxsim run SCENARIO [options]\n\nSimulate SCENARIO (a YAML file, see README.md) "
                                   "and print a summary.\n\noptions");
  std::string scenario_path, out_dir, trace_path, paje_path, policy, seed_text, format = "text";
  std::vector<std::string> limits;
  // clang-format off
  options.add_options()
      ("help,h", "describe the options")
      ("seed", po::value<std::string>(&seed_text), "random seed (default: the scenario's `seed`, else 1)")
      ("out", po::value<std::string>(&out_dir),
       "directory to write summary.json, servers.csv, timeseries.csv and queue.csv into (created if missing; "
       "one run at a time)")
      ("format", po::value<std::string>(&format)->default_value("text"),
       "what to print on stdout: text (human summary), json (summary.json) or csv (servers.csv)")
      ("quiet,q", "print nothing on stdout (files from --out are still written)")
      ("selection", po::value<std::string>(&policy),
       "MX selection policy for every sender group, overriding `selection:` and the profiles' own "
       "(names: mxsim policies)")
      ("trace", po::value<std::string>(&trace_path),
       "write one CSV line per connection attempt to this file (start_s, message, sender, mta, address, host, "
       "outcome, duration_s), in order of start_s; off by default; - for stdout (with --quiet); at most --limit "
       "trace_bytes (4GiB): the trace then stops at a line boundary, the run goes on and says so on stderr")
      ("sim-log", "let SimGrid print its own log messages (silenced by default)")
      ("stats", "after the run, print on stderr how fast it went: model events and messages per second of wall "
       "time, and the process's peak resident memory")
      ("paje", po::value<std::string>(&paje_path),
       "write SimGrid's Paje trace of the run (hosts, links and their use over time) to this file, for Paje "
       "viewers such as ViTE; off by default")
      ("limit", po::value<std::vector<std::string>>(&limits),
       "NAME=VALUE: raise a limit on what the scenario may ask for (repeatable; the limits are listed below)");
  // clang-format on
  const auto vm = parse_command_line(args, options, "scenario", scenario_path);
  if (vm.count("help")) {
    std::cout << options << "\nProgress goes to stderr when it is a terminal. SIGINT, SIGTERM, SIGHUP or SIGPIPE "
                 "stops the run: what was measured so far is written, marked \"complete\": false.\n"
                 "Files are written under a random temporary name and renamed; a device, FIFO or /dev/stdout is "
                 "written in place. An output that would overwrite an input or another output is refused.\n"
                 "exit codes: 0 success, 1 the run broke conservation, 2 unusable input or an output that cannot be "
                 "written, 128 + N signal N (130 SIGINT, 143 SIGTERM, 129 SIGHUP, 141 SIGPIPE)\n"
              << "\nlimits (--limit NAME=VALUE; beyond one the scenario is unusable input):\n"
              << scenario::limit_help();
    return kExitOk;
  }
  if (scenario_path.empty()) throw po::error("missing SCENARIO (see mxsim run --help)");
  if (format != "text" && format != "json" && format != "csv")
    throw po::error(fmt::format("--format must be text, json or csv, not \"{}\"", format));

  for (const char* option : {"out", "trace", "paje"})
    if (vm.count(option) && vm[option].as<std::string>().empty())
      throw po::error(fmt::format("--{} needs a path, not \"\"", option));
  const bool quiet = vm.count("quiet") > 0;
  if (trace_path == "-" && !quiet)
    throw po::error("--trace - writes the trace on stdout: add --quiet, or the summary would go there too");
  if (!paje_path.empty()) check_paje_path(paje_path);
  const bool seed_given = vm.count("seed") > 0;
  const std::uint64_t seed = seed_given ? parse_seed(seed_text) : 0;
  if (vm.count("selection") && !selection::is_policy(policy))
    throw po::error(fmt::format("--selection: unknown policy \"{}\" (see mxsim policies)", policy));
  const auto limit_values = scenario::parse_limits(limits);
  auto scenario = scenario::load_file(scenario_path, limit_values);
  if (vm.count("selection"))
    for (auto& group : scenario.senders) group.selection = policy;
  check_paths(scenario_path, scenario, out_dir, trace_path, paje_path);
  check_memory(scenario_path, scenario, limit_values, !paje_path.empty());
  std::optional<DirectoryLock> lock;
  if (!out_dir.empty()) {
    fs::create_directories(out_dir);
    lock.emplace(out_dir);
  }

  engine::Options run_options;
  run_options.seed = seed_given ? seed : scenario.seed;
  run_options.sim_log = vm.count("sim-log") > 0;
  run_options.paje = paje_path;
  run_options.stop = &stop_requested;
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

  // A write that fails (a full disk) stops the run: the rest would be lost too.
  const auto stop_on_error = [] { stop_requested.store(true); };
  // The trace first: opening a FIFO waits for its reader, and nothing else exists yet.
  std::unique_ptr<OutputFile> trace, timeseries, queue;
  if (!trace_path.empty()) {
    trace = std::make_unique<OutputFile>(trace_path, stop_on_error);
    trace->cap(limit_values.trace_bytes);
    run_options.trace = &trace->stream();
  }
  if (!out_dir.empty()) {
    timeseries = std::make_unique<OutputFile>((fs::path(out_dir) / "timeseries.csv").string(), stop_on_error);
    queue = std::make_unique<OutputFile>((fs::path(out_dir) / "queue.csv").string(), stop_on_error);
    run_options.timeseries = &timeseries->stream();
    run_options.queue = &queue->stream();
  }
  for (const int signal : {SIGINT, SIGTERM, SIGHUP, SIGPIPE}) std::signal(signal, on_stop_signal);
  const auto result = engine::run(scenario, run_options);
  if (run_options.progress) fmt::print(stderr, "\r{:80}\r", "");
  if (vm.count("stats")) print_stats(result);

  // Every output is tried, the reports first: a trace that cannot be written
  // still leaves what was measured.
  std::vector<std::string> failures;
  auto commit = [&](OutputFile& file) {
    try {
      file.commit();
    } catch (const std::runtime_error& e) {
      failures.emplace_back(e.what());
    }
  };
  if (!out_dir.empty()) {
    commit(*timeseries);
    commit(*queue);
    OutputFile summary((fs::path(out_dir) / "summary.json").string());
    summary.stream() << report::summary_json_text(result.summary);
    commit(summary);
    OutputFile servers((fs::path(out_dir) / "servers.csv").string());
    report::write_servers_csv(result.summary, servers.stream());
    commit(servers);
  }
  if (trace) {
    commit(*trace);
    // The run itself went on: the reports are whole, only the trace stops early.
    if (trace->capped())
      fmt::print(stderr, "mxsim run: --trace {}: stopped at a line boundary below {}; the attempts after it are not in "
                 "it\n", trace_path, scenario::limit_note(limit_values, "trace_bytes"));
  }
  if (!quiet) {
    if (format == "json") {
      std::cout << report::summary_json_text(result.summary);
    } else if (format == "csv") {
      report::write_servers_csv(result.summary, std::cout);
    } else {
      report::write_text(result.summary, std::cout);
    }
    if (!flush_stdout()) {
      // The reader of stdout went away: as a pipeline expects, stop quietly.
      if (errno == EPIPE || stop_signal.load() == SIGPIPE) return exit_code_for_signal(SIGPIPE);
      failures.push_back(fmt::format("cannot write stdout: {}", std::strerror(errno)));
    }
  }
  for (const auto& failure : failures) fmt::print(stderr, "mxsim run: {}\n", failure);
  // A trace piped to a reader that went away is SIGPIPE's case, not bad input.
  if (!failures.empty()) return stop_signal.load() == SIGPIPE ? exit_code_for_signal(SIGPIPE) : kExitUsage;
  if (!result.complete) {
    const int signal = stop_signal.load();
    fmt::print(stderr, "mxsim: {}: interrupted by {} at {} s simulated; the reports are partial (\"complete\": "
               "false)\n", scenario_path, signal_name(signal), result.summary.simulated_s);
    return signal != 0 ? exit_code_for_signal(signal) : kExitSigint;
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
