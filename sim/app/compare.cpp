// `mxsim compare`: the macro benchmark of selection policies. Runs every
// scenario x policy x replication as its own `mxsim run` child (SimGrid
// allows one engine per process), J at a time, and writes DIR/NAME.csv (one
// row per run), DIR/NAME-intervals.csv (means, paired differences and their
// 95% intervals) and DIR/NAME.md (the table of those intervals).
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <iostream>
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
#include "compare/compare.hpp"
#include "scenario/cost.hpp"
#include "scenario/scenario.hpp"
#include "selection/policy.hpp"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace mxsim::app {
namespace {

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

struct Job {
  std::size_t scenario, policy, replication;
};

int compare_command(const std::vector<std::string>& args) {
  po::options_description options(
      "mxsim compare SCENARIO... [options]\n\nRun each scenario with each selection policy over N seeds, each run its "
      "own `mxsim run` process, and write DIR/NAME.csv (one row per run), DIR/NAME-intervals.csv (means and paired "
      "differences with 95% confidence intervals) and DIR/NAME.md (the table of them).\n\noptions");
  std::vector<std::string> scenario_paths;
  std::string selection_text = "all", out_dir = "results/compare", name, baseline = "rfc5321-shuffle";
  long replications = 10;
  long jobs = default_jobs();
  std::vector<std::string> limit_args;
  // clang-format off
  options.add_options()
      ("help,h", "describe the options")
      ("selection", po::value<std::string>(&selection_text)->default_value("all"),
       "all, or a comma-separated list of policies (see mxsim policies)")
      ("replications,n", po::value<long>(&replications)->default_value(10), "seeds 1..N for each scenario and policy")
      ("jobs,j", po::value<long>(&jobs), "runs at the same time (default: the number of CPUs; more warns)")
      ("out", po::value<std::string>(&out_dir)->default_value("results/compare"), "directory for NAME.csv and NAME.md")
      ("name", po::value<std::string>(&name), "file name stem (default: the first scenario's file stem)")
      ("baseline", po::value<std::string>(&baseline)->default_value("rfc5321-shuffle"),
       "the policy the others are compared with, run by run (paired on the seed)")
      ("quiet,q", "do not print the markdown table on stdout")
      ("limit", po::value<std::vector<std::string>>(&limit_args),
       "NAME=VALUE: raise a limit on what a scenario may ask for, for every run (see mxsim run --help), or "
       "runs=N: the scenarios x policies x seeds a compare may have (10000)");
  // clang-format on
  const auto vm = parse_command_line(args, options, "scenario", scenario_paths);
  if (vm.count("help")) {
    std::cout << options << R"(
CSV columns: scenario, policy, seed, status (ok; conservation: the run broke it; error: no summary,
fields empty), messages, first-hop and delivery p50/p99, delivery mean, timeouts, 421s and connections
per message, max/mean and Jain's index of the first domain's best preference level, and the highest
utilization among its servers. NAME-intervals.csv: per scenario, policy and metric the mean over the
replications with its 95% Student-t interval, and the paired difference against --baseline with its
verdict (lower, higher, identical, no difference shown). Same command, same build: the same bytes.

Before starting, the number of runs and an estimate of the wall time go to stderr (on a
terminal, or always when over 10 min); more runs than --limit runs (10000) is refused (exit 2).
Progress goes to stderr when it is a terminal. SIGINT, SIGTERM, SIGHUP or SIGPIPE: no new runs start,
running ones are terminated, the finished runs are written and both files say that the table is
incomplete. The runs end with this process, however it ends. One compare at a time writes into DIR.
exit codes: 0 every run ok, 1 some run failed, 2 unusable input or an output that cannot be written,
128 + N signal N (130 SIGINT, 143 SIGTERM, 129 SIGHUP, 141 SIGPIPE)
)";
    return kExitOk;
  }
  if (scenario_paths.empty()) throw po::error("missing SCENARIO (see mxsim compare --help)");
  if (replications < 1 || replications > 100000) throw po::error("--replications must be from 1 to 100000");
  if (jobs < 1 || jobs > 4096) throw po::error("--jobs must be from 1 to 4096");
  const auto policies = selection_text == "all" ? selection::policy_names() : split_list(selection_text);
  if (policies.empty()) throw po::error("--selection: no policy named");
  for (const auto& p : policies)
    if (!selection::is_policy(p)) throw po::error(fmt::format("--selection: unknown policy \"{}\" (see mxsim policies)", p));
  if (name.empty()) name = fs::path(scenario_paths.front()).stem().string();
  if (name.empty() || name.find('/') != std::string::npos) throw po::error("--name must be a plain file name");
  if (out_dir.empty()) throw po::error("--out needs a path, not \"\"");
  const auto csv_path = fs::path(out_dir) / (name + ".csv");
  const auto md_path = fs::path(out_dir) / (name + ".md");
  const auto intervals_path = fs::path(out_dir) / (name + "-intervals.csv");

  warn_about_jobs("compare", jobs);
  const auto limits = scenario::parse_limits(limit_args);
  // Every scenario must load: find out now, not after the other runs.
  std::vector<std::string> names, descriptions;
  PathPlan plan;
  double messages = 0, seconds = 0;
  const auto runs_each = static_cast<double>(policies.size()) * static_cast<double>(replications);
  for (const auto& path : scenario_paths) {
    const auto s = scenario::load_file(path, limits);
    const auto cost = scenario::estimate_run(s);
    messages += cost.messages * runs_each;
    seconds += cost.seconds * runs_each;
    names.push_back(s.name);
    descriptions.push_back(s.description);
    plan.input("the scenario", path);
    plan.input("a scenario's zone", s.zone_where.file);
    if (s.platform) plan.input("a scenario's platform file", *s.platform);
  }
  plan.output("the CSV file", csv_path.string());
  plan.output("the table", md_path.string());
  plan.output("the intervals", intervals_path.string());
  plan.check();
  std::vector<std::uint64_t> seeds;
  for (long r = 1; r <= replications; ++r) seeds.push_back(static_cast<std::uint64_t>(r));
  compare::Comparison table(names, descriptions, policies, seeds);

  std::vector<Job> todo;
  for (std::size_t s = 0; s < names.size(); ++s)
    for (std::size_t p = 0; p < policies.size(); ++p)
      for (std::size_t r = 0; r < seeds.size(); ++r) todo.push_back({s, p, r});

  announce_runs("compare", todo.size(), messages, seconds, jobs, limits);

  fs::create_directories(out_dir);
  const DirectoryLock lock(out_dir);
  catch_stop_signals();
  TempDir temp("mxsim-compare");
  const bool progress = isatty(STDERR_FILENO) != 0;
  auto out_of = [&](std::size_t j) { return temp.path() / fmt::format("run-{}.json", j); };
  auto err_of = [&](std::size_t j) { return temp.path() / fmt::format("run-{}.err", j); };
  std::size_t done = 0, failed = 0;
  auto command = [&](std::size_t j) {
    const auto& job = todo[j];
    std::vector<std::string> argv{"mxsim", "run", scenario_paths[job.scenario], "--seed",
                                  std::to_string(seeds[job.replication]), "--selection", policies[job.policy],
                                  "--format", "json"};
    for (const auto& limit : limit_args) argv.insert(argv.end(), {"--limit", limit});
    return ChildCommand{.argv = std::move(argv), .out = out_of(j), .err = err_of(j)};
  };
  auto finished = [&](const JobEnd& end) {
    const auto& job = todo[end.job];
    auto& cell = table.cells[job.scenario][job.policy][job.replication];
    cell.status = "error";
    if (end.code == kExitOk || end.code == kExitFindings) {
      try {
        const auto summary = nlohmann::json::parse(read_text(out_of(end.job)));
        if (summary.value("complete", true)) {
          cell.metrics = compare::metrics_of(summary);
          cell.status = end.code == kExitOk ? "ok" : "conservation";
          if (end.code != kExitOk) cell.metrics.reset();
        }
      } catch (const std::exception&) {
      }
    }
    ++done;
    if (cell.status != "ok") {
      ++failed;
      std::string why = read_text(err_of(end.job));
      while (!why.empty() && why.back() == '\n') why.pop_back();
      if (progress) fmt::print(stderr, "\r{:80}\r", "");
      fmt::print(stderr, "mxsim compare: {} with {}, seed {}: exit {}{}{}\n", scenario_paths[job.scenario],
                 policies[job.policy], seeds[job.replication], end.code, why.empty() ? "" : ": ", why);
    }
    if (progress) fmt::print(stderr, "\r{:>8}/{} runs, {} running    ", done, todo.size(), end.running);
  };
  run_jobs(todo.size(), static_cast<std::size_t>(jobs), command, finished);
  if (progress) fmt::print(stderr, "\r{:80}\r", "");

  const int signal = stop_signal();
  const std::string note =
      signal == 0 ? ""
                  : fmt::format("incomplete: interrupted by {} after {} of {} runs; the table covers the finished "
                                "runs only",
                                signal_name(signal), done, todo.size());
  write_output(csv_path.string(), compare::csv(table, note));
  write_output(intervals_path.string(), compare::intervals_csv(table, baseline, note));
  const std::string md = fmt::format("# mxsim compare: {}\n\n", name) + compare::markdown(table, baseline, note);
  write_output(md_path.string(), md);
  if (!vm.count("quiet")) {
    std::cout << md;
    if (!flush_stdout() && errno != EPIPE && signal != SIGPIPE)
      throw std::runtime_error(fmt::format("cannot write stdout: {}", std::strerror(errno)));
  }
  fmt::print(stderr, "mxsim compare: {} runs ({} failed) written to {}, {} and {}\n", done, failed, csv_path.string(),
             intervals_path.string(), md_path.string());
  if (signal != 0) return exit_code_for_signal(signal);
  return failed ? kExitFindings : kExitOk;
}

const bool registered = register_command(
    {"compare", "benchmark selection policies: scenarios x policies x seeds, CSV and a table with CIs",
     compare_command, 45});

}  // namespace
}  // namespace mxsim::app
