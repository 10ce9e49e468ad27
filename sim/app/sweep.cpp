// `mxsim sweep`: run every point of a parameter grid as its own `mxsim run`
// child process, J at a time, and write one CSV row per point; and `mxsim
// merge`: join the CSV files of a sharded sweep into the unsharded one.
#include <unistd.h>

#include <chrono>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <boost/program_options.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "app/children.hpp"
#include "app/command.hpp"
#include "app/options.hpp"
#include "app/output.hpp"
#include "scenario/cost.hpp"
#include "scenario/limits.hpp"
#include "scenario/scenario.hpp"
#include "sweep/sweep.hpp"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace mxsim::app {
namespace {

// One point being run.
struct Job {
  sweep::Point point;
  fs::path scenario, stdout_path, stderr_path;
};

std::string shown_point(const sweep::Sweep& sweep, const sweep::Point& p) {
  std::string out;
  for (std::size_t k = 0; k < sweep.grid().size(); ++k)
    out += fmt::format("{}{} = {}", out.empty() ? "" : ", ", sweep.grid()[k].path, sweep.grid()[k].shown[p.choice[k]]);
  if (p.seed) out += fmt::format("{}seed {}", out.empty() ? "" : ", ", *p.seed);
  return out.empty() ? "the scenario as it is" : out;
}

std::string format_duration(double seconds) {
  if (seconds < 90) return fmt::format("{:.0f} s", seconds);
  if (seconds < 5400) return fmt::format("{:.0f} min", seconds / 60);
  return fmt::format("{:.1f} h", seconds / 3600);
}

int sweep_command(const std::vector<std::string>& args) {
  po::options_description options(
      "mxsim sweep SWEEP.yaml [options]\n\nRun every point of a grid over scenario parameters (and seeds) as its own "
      "`mxsim run`, and write one CSV row per point.\n\noptions");
  std::string sweep_path, out_path, runs_dir, shard_text = "1/1";
  std::vector<std::string> limit_args;
  long jobs = default_jobs();
  // clang-format off
  options.add_options()
      ("help,h", "describe the options and the sweep file")
      ("jobs,j", po::value<long>(&jobs), "points run at the same time (default: the number of CPUs; more warns)")
      ("shard", po::value<std::string>(&shard_text),
       "K/N: run only the K-th of N slices (point i belongs to slice i mod N + 1); join the slices' files with "
       "mxsim merge")
      ("out,o", po::value<std::string>(&out_path), "the CSV file to write (default, or -: stdout); written under a "
       "random temporary name, then renamed")
      ("runs", po::value<std::string>(&runs_dir),
       "also keep each point's run outputs (summary.json, servers.csv, ...) in DIR/point-I/")
      ("limit", po::value<std::vector<std::string>>(&limit_args),
       "NAME=VALUE: raise a limit on what a scenario may ask for, for every point (see mxsim run --help), or "
       "runs=N: the points x seeds a sweep may have (10000)");
  // clang-format on
  const auto vm = parse_command_line(args, options, "sweep", sweep_path);
  if (vm.count("help")) {
    std::cout << options << R"(
The sweep file (YAML):
  scenario: ../scenarios/seed-failover.yaml   # relative to the sweep file
  seeds: [1, 2, 3]                            # or {from: 1, count: 10}; default: the scenario's seed
  grid:                                       # every combination; the first key varies slowest
    senders[0].rate: [10/s, 20/s, 40/s]
    servers["mailhost2.example.com"].sessions: [5, 10, 20]
Key paths: keys joined by dots, [N] for the N-th list item (from 0), ["key"] for a key with dots
(servers.mailhost2.example.com.sessions also works when that server has an entry). Missing map keys
are created. Each point must load as a scenario, or nothing runs (exit 2).

CSV columns: point, points (the total), one column per key path, seed, status (ok; conservation: the
run broke it; error: it did not finish, fields empty), then the summary's main fields (times end in _s),
the earlier names of some of them, and which sweep the row belongs to (sweep_mxsim_version,
sweep_scenario_sha256, sweep_grid_sha256). Same sweep, same build: the same bytes, sharded and merged or not.

Before starting, the number of runs and an estimate of the wall time go to stderr (on a
terminal, or always when over 10 min); more runs than --limit runs (10000) is refused (exit 2).
Progress (points done, rate, time left) goes to stderr when it is a terminal. SIGINT, SIGTERM, SIGHUP
or SIGPIPE: no new points start, running ones are terminated, the finished rows are written and the
file ends with the line "# incomplete: ..." (mxsim merge refuses such a file). The points' runs end
with this process, however it ends.
exit codes: 0 every point ok, 1 some point failed, 2 unusable input or an output that cannot be
written, 128 + N signal N (130 SIGINT, 143 SIGTERM, 129 SIGHUP, 141 SIGPIPE)
)";
    return kExitOk;
  }
  if (sweep_path.empty()) throw po::error("missing SWEEP.yaml (see mxsim sweep --help)");
  if (jobs < 1 || jobs > 4096) throw po::error("--jobs must be from 1 to 4096");
  for (const char* option : {"out", "runs"})
    if (vm.count(option) && vm[option].as<std::string>().empty())
      throw po::error(fmt::format("--{} needs a path, not \"\"", option));
  sweep::Shard shard;
  try {
    shard = sweep::parse_shard(shard_text);
  } catch (const std::invalid_argument& e) {
    throw po::error(e.what());
  }

  const auto limits = scenario::parse_limits(limit_args);
  const auto sweep = sweep::Sweep::load_file(sweep_path);
  const auto base = scenario::load_file(sweep.scenario_path(), limits);
  if (!out_path.empty()) {
    PathPlan plan;
    plan.input("the sweep file", sweep_path);
    plan.input("the sweep's scenario", sweep.scenario_path());
    plan.input("the scenario's zone", base.zone_where.file);
    if (base.platform) plan.input("the scenario's platform file", *base.platform);
    plan.output("--out", out_path);
    plan.check();
  }
  std::vector<sweep::Point> todo;
  for (std::size_t i = 0; i < sweep.points(); ++i)
    if (shard.contains(i)) todo.push_back(sweep.point(i));
  warn_about_jobs("sweep", jobs);
  if (todo.size() > limits.runs) {
    // Refused before loading every point, which alone can take minutes: the
    // estimate is the base scenario's, once per run.
    const auto cost = scenario::estimate_run(base);
    const auto n = static_cast<double>(todo.size());
    announce_runs("sweep", todo.size(), cost.messages * n, cost.seconds * n, jobs, limits);
  }
  // Every point must be a scenario mxsim can load: find out now, not after hours of runs.
  double messages = 0, seconds = 0;
  for (const auto& p : todo) {
    try {
      const auto cost = scenario::estimate_run(scenario::load_text(sweep.scenario_text(p), sweep.scenario_path(), limits));
      messages += cost.messages;
      seconds += cost.seconds;
    } catch (const util::InputError& e) {
      const auto& where = sweep.grid().empty() ? util::Location{sweep.file(), 1, 1} : sweep.grid().front().where;
      throw util::InputError(e.where().file == sweep.file() ? e.where() : where,
                             fmt::format("point {} ({}) is no usable scenario: {}", p.index, shown_point(sweep, p),
                                         e.message()));
    }
  }

  announce_runs("sweep", todo.size(), messages, seconds, jobs, limits);

  catch_stop_signals();  // before the temporary directory: its existence says the sweep is under way
  TempDir temp("mxsim-sweep");
  if (!runs_dir.empty()) fs::create_directories(runs_dir);
  const int width = static_cast<int>(std::to_string(sweep.points() > 0 ? sweep.points() - 1 : 0).size());
  const bool progress = isatty(STDERR_FILENO) != 0;
  const auto started = std::chrono::steady_clock::now();

  std::map<std::size_t, std::string> rows;
  std::size_t failed = 0;
  std::map<std::size_t, Job> running;  // by position in todo
  auto show_progress = [&](std::size_t running_now) {
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    const double rate = elapsed > 0 ? static_cast<double>(rows.size()) / elapsed : 0;
    const std::string left =
        rate > 0 ? format_duration(static_cast<double>(todo.size() - rows.size()) / rate) + " left" : "";
    fmt::print(stderr, "\r{:>8}/{} points, {} running, {:.2f} points/s, {}    ", rows.size(), todo.size(),
               running_now, rate, left);
  };
  auto command = [&](std::size_t slot) {
    const sweep::Point& p = todo[slot];
    const std::string stem = fmt::format("point-{:0{}}", p.index, width);
    Job job{p, temp.path() / (stem + ".yaml"), temp.path() / (stem + ".json"), temp.path() / (stem + ".err")};
    write_output(job.scenario.string(), sweep.scenario_text(p));
    std::vector<std::string> argv{"mxsim", "run", job.scenario.string(), "--format", "json"};
    if (p.seed) argv.insert(argv.end(), {"--seed", std::to_string(*p.seed)});
    if (!runs_dir.empty()) argv.insert(argv.end(), {"--out", (fs::path(runs_dir) / stem).string()});
    for (const auto& limit : limit_args) argv.insert(argv.end(), {"--limit", limit});
    ChildCommand child{.argv = std::move(argv), .out = job.stdout_path, .err = job.stderr_path};
    running.emplace(slot, std::move(job));
    return child;
  };
  auto finished = [&](const JobEnd& end) {
    const auto it = running.find(end.job);
    const Job job = std::move(it->second);
    running.erase(it);
    const int code = end.code;
    nlohmann::json summary;
    bool have_summary = false;
    if (code == kExitOk || code == kExitFindings) {
      try {
        summary = nlohmann::json::parse(read_text(job.stdout_path));
        have_summary = true;
      } catch (const nlohmann::json::exception&) {
      }
    }
    const std::string status_text = !have_summary ? "error" : code == kExitOk ? "ok" : "conservation";
    if (status_text != "ok") {
      ++failed;
      std::string why = read_text(job.stderr_path);
      while (!why.empty() && why.back() == '\n') why.pop_back();
      // The child read a copy in the temporary directory: name the original.
      for (auto at = why.find(job.scenario.string()); at != std::string::npos; at = why.find(job.scenario.string()))
        why.replace(at, job.scenario.string().size(), fmt::format("{} (point {})", sweep.scenario_path(), job.point.index));
      if (progress) fmt::print(stderr, "\r{:80}\r", "");
      fmt::print(stderr, "mxsim sweep: point {} ({}): exit {}{}{}\n", job.point.index, shown_point(sweep, job.point), code,
                 why.empty() ? "" : ": ", why);
    }
    const std::uint64_t seed = have_summary && summary.contains("seed") ? summary["seed"].get<std::uint64_t>()
                                                                         : job.point.seed.value_or(base.seed);
    rows[job.point.index] = sweep::csv_row(sweep, job.point, status_text, have_summary ? &summary : nullptr, seed);
    std::error_code ignored;
    for (const auto& path : {job.scenario, job.stdout_path, job.stderr_path}) fs::remove(path, ignored);
    if (progress) show_progress(end.running);
  };

  if (progress) show_progress(0);
  run_jobs(todo.size(), static_cast<std::size_t>(jobs), command, finished);
  if (progress) fmt::print(stderr, "\r{:80}\r", "");

  const int signal = stop_signal();
  std::string text = sweep::csv_header(sweep);
  for (const auto& [index, row] : rows) text += row;
  if (signal != 0)
    text += fmt::format("{} interrupted by {} after {} of {} points{}; the rows above are the finished points\n",
                        sweep::kIncompleteMarker, signal_name(signal), rows.size(), todo.size(),
                        shard.n > 1 ? fmt::format(" (shard {}/{})", shard.k, shard.n) : "");
  if (out_path.empty()) {
    std::cout << text;
    if (!flush_stdout() && errno != EPIPE && signal != SIGPIPE)
      throw std::runtime_error(fmt::format("cannot write stdout: {}", std::strerror(errno)));
  } else {
    if (const auto parent = fs::path(out_path).parent_path(); !parent.empty()) fs::create_directories(parent);
    write_output(out_path, text);
  }
  if (signal != 0) {
    fmt::print(stderr, "mxsim sweep: interrupted: {} of {} points written{}\n", rows.size(), todo.size(),
               out_path.empty() ? "" : " to " + out_path);
    return exit_code_for_signal(signal);
  }
  return failed ? kExitFindings : kExitOk;
}

int merge_command(const std::vector<std::string>& args) {
  po::options_description options(
      "mxsim merge SHARD.csv... [options]\n\nJoin the CSV files of `mxsim sweep --shard K/N` runs into the file the "
      "unsharded sweep writes (same rows, same order, same bytes).\n\noptions");
  std::vector<std::string> paths;
  std::string out_path;
  options.add_options()("help,h", "describe the options")(
      "out,o", po::value<std::string>(&out_path),
      "the CSV file to write (default, or -: stdout); written under a random temporary name, then renamed");
  const auto vm = parse_command_line(args, options, "input", paths);
  if (vm.count("help")) {
    std::cout << options
              << "\nThe shards may come in any order. A shard that was interrupted (its last line is \"# incomplete: "
                 "...\"), a point given twice or a missing point is refused; so are shards of different sweeps "
                 "(another grid, scenario file or mxsim version: the sweep_* columns differ).\n"
                 "exit codes: 0 merged, 1 the files are not a whole sweep (missing, repeated or interrupted shards), "
                 "2 unusable input or shards of different sweeps\n";
    return kExitOk;
  }
  if (paths.empty()) throw po::error("missing SHARD.csv files (see mxsim merge --help)");
  if (vm.count("out") && out_path.empty()) throw po::error("--out needs a path, not \"\"");
  if (!out_path.empty()) {
    PathPlan plan;
    for (const auto& path : paths) plan.input("a shard", path);
    plan.output("--out", out_path);
    plan.check();
  }
  std::vector<sweep::MergeInput> inputs;
  for (const auto& path : paths) {
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) {
      fmt::print(stderr, "mxsim merge: {}: no such file\n", path);
      return kExitUsage;
    }
    inputs.push_back({path, read_text(path)});
  }
  std::string text;
  try {
    text = sweep::merge(inputs);
  } catch (const sweep::MergeError& e) {
    fmt::print(stderr, "mxsim merge: {}\n", e.what());
    return e.exit_code();
  }
  if (out_path.empty()) {
    std::cout << text;
    if (!flush_stdout()) throw std::runtime_error(fmt::format("cannot write stdout: {}", std::strerror(errno)));
  } else {
    write_output(out_path, text);
  }
  return kExitOk;
}

const bool registered_sweep = register_command(
    {"sweep", "run a grid of scenario variants and seeds in parallel, one CSV row per point", sweep_command, 50});
const bool registered_merge =
    register_command({"merge", "join the CSV files of a sharded sweep", merge_command, 55});

}  // namespace
}  // namespace mxsim::app
