// `mxsim size`: how big must it be? Bisects one scenario key over a range,
// running every probed value over N seeds as `mxsim run` children (the sweep
// machinery: its key paths, scenario variants and CSV rows), until the
// smallest (or largest) value where every target holds with the confidence
// asked is found; says so when the evidence contradicts monotonicity.
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
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
#include "size/size.hpp"
#include "sweep/sweep.hpp"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace mxsim::app {
namespace {

constexpr const char* kHelp = R"(
Example: the fewest sessions of mx2 that keep the delivery p99 under 35 s:
  mxsim size mydomain.yaml --vary servers.mx2.example.org.sessions --range 1..20 --integer \
      --target 'delivery.p99 <= 35s' --out sizing
Key paths: keys joined by dots, [N] for the N-th list item, ["key"] for a key with dots; every
step but the last must exist in the scenario (a misspelt host is an error, not a new server).

The search assumes that the targets, once met, stay met as the value grows (as it falls with
--maximize). It runs both ends of the range, then the middle of the bracket, each value over
seeds 1..N (the scenario's own seed is not used): at most N x (2 + ceil(log2(values - 1))) runs.
A value meets a target when the target's metric, over the N runs, has its Student-t interval at
--confidence entirely on the target's side; a value whose interval straddles the target is "not
shown" and counts as not meeting it (raise --replications or the scenario's duration).

Metrics are fields of summary.json by their path (docs/outputs.md): keys joined by dots, a list
item by [N] or by its host, address or name: servers.mx2.example.org.share,
senders.big-isp.delivery.p99, latency_s.delivery.p99. The section may be left out (delivery.p99,
bounced, timeouts) and a column of the sweep CSV works too (delivery_p99_s). VALUE is a number or
a duration (60s, 5m) in seconds. Quote each target: --target 'delivery.p99 <= 60s'.

Evidence against monotonicity is reported, never hidden: a value that meets the targets beside
one further on that clearly fails them, or a metric whose intervals at two values are apart in the
wrong order. The answer is then printed with that warning and the exit code is 1.

--out DIR writes DIR/runs.csv (one row per run, the sweep CSV format: point, points, the key,
seed, status, the summary's main fields) and DIR/size.json (the search: every value run with its
samples and intervals, the answer, the contradictions); scripts/plot_size.py DIR draws the metric
against the value with the target line. SIGINT, SIGTERM, SIGHUP or SIGPIPE: no new runs start,
running ones are terminated, what finished is printed and written (size.json says incomplete).
exit codes: 0 an answer, 1 no value meets the targets (the closest value seen is printed) or the
evidence contradicts monotonicity, 2 unusable input (an unknown key or metric, an empty range, a
malformed target) or an output that cannot be written, 128 + N signal N
)";

std::string interval_text(const size::TargetResult& r) {
  if (r.interval.n == 0) return "no run";
  if (std::isnan(r.interval.half_width)) return fmt::format("{:.6g}", r.interval.mean);
  return fmt::format("{:.6g} ± {:.2g}", r.interval.mean, r.interval.half_width);
}

nlohmann::json number_or_null(double x) { return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(); }

int size_command(const std::vector<std::string>& args) {
  po::options_description options(
      "mxsim size SCENARIO --vary KEY.PATH --range LO..HI --target 'METRIC OP VALUE'... [options]\n\nFind the smallest "
      "(with --maximize the largest) value of a scenario key for which every target holds with the confidence "
      "asked over N seeds, by bisection.\n\noptions");
  std::string scenario_path, key_path, range_text, out_dir;
  std::vector<std::string> target_texts, limit_args;
  long replications = 5, jobs = default_jobs();
  double confidence = 0.95, step = 0;
  // clang-format off
  options.add_options()
      ("help,h", "describe the options and the search")
      ("vary", po::value<std::string>(&key_path), "the scenario key to size, a key path as in a sweep file "
       "(senders[0].rate; more below)")
      ("range", po::value<std::string>(&range_text), "LO..HI: the values to search, ends included; both ends may "
       "carry the same unit (10/s..80/s), which every value keeps")
      ("integer", "whole numbers only (sessions, backlog, MTAs)")
      ("step", po::value<double>(&step), "the spacing of the values (default: 1 with --integer, else a hundredth "
       "of the range)")
      ("target", po::value<std::vector<std::string>>(&target_texts), "METRIC OP VALUE, OP one of < <= > >= == !=; "
       "repeat for several targets, all must hold")
      ("maximize", "find the largest value that meets the targets (they hold from some value down)")
      ("replications,n", po::value<long>(&replications)->default_value(5), "seeds 1..N for each value run")
      ("confidence", po::value<double>(&confidence)->default_value(0.95, "0.95"), "of the two-sided Student-t intervals")
      ("jobs,j", po::value<long>(&jobs), "runs at the same time (default: the number of CPUs; more warns)")
      ("out,o", po::value<std::string>(&out_dir), "write DIR/runs.csv and DIR/size.json")
      ("limit", po::value<std::vector<std::string>>(&limit_args),
       "NAME=VALUE: raise a limit on what a scenario may ask for, for every run (see mxsim run --help), or "
       "runs=N: the runs a search may take (10000)");
  // clang-format on
  const auto vm = parse_command_line(args, options, "scenario", scenario_path);
  if (vm.count("help")) {
    std::cout << options << kHelp;
    return kExitOk;
  }
  if (scenario_path.empty()) throw po::error("missing SCENARIO (see mxsim size --help)");
  if (key_path.empty()) throw po::error("missing --vary KEY.PATH: the scenario key to size");
  if (range_text.empty()) throw po::error("missing --range LO..HI");
  if (target_texts.empty()) throw po::error("missing --target 'METRIC OP VALUE'");
  if (replications < 2 || replications > 100000)
    throw po::error("--replications must be from 2 to 100000 (an interval needs two runs)");
  if (!(confidence > 0 && confidence < 1)) throw po::error("--confidence must be between 0 and 1, such as 0.95");
  if (jobs < 1 || jobs > 4096) throw po::error("--jobs must be from 1 to 4096");
  if (vm.count("step") && !(step > 0)) throw po::error("--step must be a number > 0");
  if (vm.count("out") && out_dir.empty()) throw po::error("--out needs a path, not \"\"");
  const bool integer = vm.count("integer") > 0;
  size::Options search_options{.maximize = vm.count("maximize") > 0, .confidence = confidence};

  size::Grid grid;
  try {
    grid = size::parse_range(range_text, integer, step);
  } catch (const std::invalid_argument& e) {
    throw po::error(fmt::format("--range {}", e.what()));
  }
  std::vector<size::Target> targets;
  for (const auto& text : target_texts) try {
      targets.push_back(size::parse_target(text));
    } catch (const std::invalid_argument& e) {
      throw po::error(fmt::format("--target {}", e.what()));
    }

  const auto limits = scenario::parse_limits(limit_args);
  const auto base = scenario::load_file(scenario_path, limits);
  std::vector<std::uint64_t> seeds;
  for (long r = 1; r <= replications; ++r) seeds.push_back(static_cast<std::uint64_t>(r));
  std::optional<sweep::Sweep> made;
  try {
    made = sweep::Sweep::one_parameter(scenario_path, key_path, util::Location{"--vary", 0, 0}, grid.texts, seeds);
  } catch (const util::InputError& e) {
    throw po::error(fmt::format("--vary {}", e.message()));
  }
  const sweep::Sweep& variants = *made;
  // Every value must make a scenario mxsim can load; the ends are checked now,
  // the others before they run.
  auto check_value = [&](std::size_t i) {
    try {
      return scenario::estimate_run(scenario::load_text(variants.scenario_text(variants.point(i * seeds.size())),
                                                        scenario_path, limits));
    } catch (const util::InputError& e) {
      throw po::error(fmt::format("--vary {} = {}: the scenario does not load with this value: {}", key_path,
                                  grid.texts[i], e.message()));
    }
  };
  check_value(0);
  const auto cost = check_value(grid.size() - 1);
  if (!out_dir.empty()) {
    PathPlan plan;
    plan.input("the scenario", scenario_path);
    plan.input("the scenario's zone", base.zone_where.file);
    if (base.platform) plan.input("the scenario's platform file", *base.platform);
    plan.output("runs.csv", (fs::path(out_dir) / "runs.csv").string());
    plan.output("size.json", (fs::path(out_dir) / "size.json").string());
    plan.check();
  }
  warn_about_jobs("size", jobs);
  const std::size_t most_runs = size::bisection_values(grid.size()) * seeds.size();
  const auto most = static_cast<double>(most_runs);
  announce_runs("size", most_runs, cost.messages * most, cost.seconds * most, jobs, limits);

  std::optional<DirectoryLock> lock;
  if (!out_dir.empty()) {
    fs::create_directories(out_dir);
    lock.emplace(out_dir);
  }
  catch_stop_signals();
  TempDir temp("mxsim-size");
  const bool progress = isatty(STDERR_FILENO) != 0;
  std::map<std::size_t, std::string> rows;  // by sweep point
  std::map<std::size_t, std::vector<std::vector<double>>> samples_of;  // by grid index: [target][run]
  std::size_t failed = 0;

  const size::Evaluator evaluate = [&](const std::vector<std::size_t>& indices)
      -> std::optional<std::vector<std::vector<std::vector<double>>>> {
    std::vector<sweep::Point> todo;
    for (const std::size_t i : indices) {
      check_value(i);
      samples_of[i].assign(targets.size(), {});
      for (std::size_t r = 0; r < seeds.size(); ++r) todo.push_back(variants.point(i * seeds.size() + r));
    }
    for (const std::size_t i : indices)
      write_output((temp.path() / fmt::format("value-{}.yaml", i)).string(),
                   variants.scenario_text(variants.point(i * seeds.size())));
    auto out_of = [&](std::size_t j) { return temp.path() / fmt::format("run-{}.json", todo[j].index); };
    auto err_of = [&](std::size_t j) { return temp.path() / fmt::format("run-{}.err", todo[j].index); };
    std::size_t done = 0;
    auto command = [&](std::size_t j) {
      const sweep::Point& p = todo[j];
      std::vector<std::string> argv{"mxsim", "run",
                                    (temp.path() / fmt::format("value-{}.yaml", p.choice[0])).string(), "--seed",
                                    std::to_string(*p.seed), "--format", "json"};
      for (const auto& limit : limit_args) argv.insert(argv.end(), {"--limit", limit});
      return ChildCommand{.argv = std::move(argv), .out = out_of(j), .err = err_of(j)};
    };
    auto finished = [&](const JobEnd& end) {
      const sweep::Point& p = todo[end.job];
      nlohmann::json summary;
      bool have = false;
      if (end.code == kExitOk || end.code == kExitFindings) try {
          summary = nlohmann::json::parse(read_text(out_of(end.job)));
          have = true;
        } catch (const nlohmann::json::exception&) {
        }
      const std::string status = !have ? "error" : end.code == kExitOk ? "ok" : "conservation";
      rows[p.index] = sweep::csv_row(variants, p, status, have ? &summary : nullptr, *p.seed);
      if (status == "ok") {
        for (std::size_t t = 0; t < targets.size(); ++t) try {
            samples_of[p.choice[0]][t].push_back(size::metric_value(summary, targets[t].metric));
          } catch (const std::invalid_argument& e) {
            throw po::error(fmt::format("--target '{}': {}", targets[t].text, e.what()));
          }
      } else {
        ++failed;
        std::string why = read_text(err_of(end.job));
        while (!why.empty() && why.back() == '\n') why.pop_back();
        if (progress) fmt::print(stderr, "\r{:80}\r", "");
        fmt::print(stderr, "mxsim size: {} = {}, seed {}: exit {} ({}, left out){}{}\n", key_path,
                   grid.texts[p.choice[0]], *p.seed, end.code, status, why.empty() ? "" : ": ", why);
      }
      ++done;
      if (progress)
        fmt::print(stderr, "\r{} = {}: {}/{} runs, {} running    ", key_path, grid.texts[p.choice[0]], done,
                   todo.size(), end.running);
    };
    run_jobs(todo.size(), static_cast<std::size_t>(jobs), command, finished);
    if (progress) fmt::print(stderr, "\r{:80}\r", "");
    if (stop_signal() != 0) return std::nullopt;
    std::vector<std::vector<std::vector<double>>> out;
    for (const std::size_t i : indices) out.push_back(samples_of[i]);
    return out;
  };
  const auto outcome = size::search(grid, targets, search_options, evaluate);
  const int signal = stop_signal();

  // What the search saw, by value.
  std::vector<const size::Evaluation*> seen;
  for (const auto& e : outcome.evaluations) seen.push_back(&e);
  std::sort(seen.begin(), seen.end(), [](auto* a, auto* b) { return a->index < b->index; });
  std::string text = fmt::format("{} from {} to {}: the {} value where {} (confidence {}, {} seeds each)\n\n", key_path,
                                 grid.texts.front(), grid.texts.back(), search_options.maximize ? "largest" : "smallest",
                                 targets.size() == 1 ? "the target holds" : "every target holds", confidence,
                                 seeds.size());
  text += fmt::format("{:>14}  {:>4}  {:<9}", "value", "runs", "verdict");
  for (const auto& t : targets) text += fmt::format("  {}", t.text);
  text += "\n";
  for (const auto* e : seen) {
    text += fmt::format("{:>14}  {:>4}  {:<9}", grid.texts[e->index], e->runs, size::verdict_text(e->verdict));
    for (std::size_t t = 0; t < targets.size(); ++t)
      text += fmt::format("  {:<{}}", interval_text(e->targets[t]), targets[t].text.size());
    while (text.back() == ' ') text.pop_back();
    text += "\n";
  }
  auto describe = [&](std::size_t index, const char* label) {
    const auto* e = *std::find_if(seen.begin(), seen.end(), [&](auto* s) { return s->index == index; });
    std::string line = fmt::format("  {} {}:", label, grid.texts[index]);
    for (std::size_t t = 0; t < targets.size(); ++t)
      line += fmt::format("{} {} = {} ({})", t ? ";" : "", targets[t].metric, interval_text(e->targets[t]),
                          size::verdict_text(e->targets[t].verdict));
    return line + "\n";
  };
  text += "\n";
  if (outcome.answer) {
    text += fmt::format("answer: {} = {}\n", key_path, grid.texts[*outcome.answer]);
    text += describe(*outcome.answer, "at");
    if (outcome.neighbour) text += describe(*outcome.neighbour, search_options.maximize ? "next up," : "next down,");
  } else if (outcome.complete) {
    text += fmt::format("no value from {} to {} meets {}\n", grid.texts.front(), grid.texts.back(),
                        targets.size() == 1 ? "the target" : "every target");
    if (outcome.best) text += describe(*outcome.best, "closest:");
  }
  for (const auto& c : outcome.contradictions) text += fmt::format("not monotone: {}\n", c);
  if (!outcome.contradictions.empty())
    text += "the search assumed a monotone response: the answer above may be wrong; sweep the range to see it\n";
  text += fmt::format("runs: {} ({} values x {} seeds; at most {} by bisection, {} for a sweep of all {} values)\n",
                      rows.size(), outcome.evaluations.size(), seeds.size(), most_runs, grid.size() * seeds.size(),
                      grid.size());
  if (signal != 0)
    text += fmt::format("incomplete: interrupted by {} after {} runs\n", signal_name(signal), rows.size());

  if (!out_dir.empty()) {
    std::string csv = sweep::csv_header(variants);
    for (const auto& [point, row] : rows) csv += row;
    if (signal != 0)
      csv += fmt::format("{} interrupted by {} after {} runs\n", sweep::kIncompleteMarker, signal_name(signal), rows.size());
    write_output((fs::path(out_dir) / "runs.csv").string(), csv);
    nlohmann::json doc;
    doc["scenario_path"] = scenario_path;
    doc["scenario"] = base.name;
    doc["key"] = key_path;
    doc["range"] = range_text;
    doc["values"] = grid.texts;
    doc["maximize"] = search_options.maximize;
    doc["confidence"] = confidence;
    doc["seeds"] = seeds;
    doc["targets"] = nlohmann::json::array();
    for (const auto& t : targets)
      doc["targets"].push_back({{"text", t.text}, {"metric", t.metric}, {"op", size::op_text(t.op)}, {"value", t.value}});
    doc["evaluations"] = nlohmann::json::array();
    for (const auto& e : outcome.evaluations) {
      nlohmann::json item{{"value", grid.texts[e.index]}, {"number", grid.numbers[e.index]},
                          {"verdict", size::verdict_text(e.verdict)}, {"runs", e.runs}};
      for (std::size_t t = 0; t < targets.size(); ++t) {
        const auto& r = e.targets[t];
        item["targets"].push_back({{"samples", samples_of[e.index][t]}, {"n", r.interval.n},
                                   {"mean", number_or_null(r.interval.mean)},
                                   {"half_width", number_or_null(r.interval.half_width)},
                                   {"low", number_or_null(r.low())}, {"high", number_or_null(r.high())},
                                   {"verdict", size::verdict_text(r.verdict)}});
      }
      doc["evaluations"].push_back(std::move(item));
    }
    doc["answer"] = outcome.answer ? nlohmann::json(grid.texts[*outcome.answer]) : nlohmann::json();
    doc["neighbour"] = outcome.neighbour ? nlohmann::json(grid.texts[*outcome.neighbour]) : nlohmann::json();
    doc["best"] = outcome.best ? nlohmann::json(grid.texts[*outcome.best]) : nlohmann::json();
    doc["contradictions"] = outcome.contradictions;
    doc["runs"] = rows.size();
    doc["most_runs"] = most_runs;
    doc["complete"] = signal == 0;
    write_output((fs::path(out_dir) / "size.json").string(), doc.dump(2) + "\n");
  }
  std::cout << text;
  if (!flush_stdout() && errno != EPIPE && signal != SIGPIPE)
    throw std::runtime_error(fmt::format("cannot write stdout: {}", std::strerror(errno)));
  if (signal != 0) return exit_code_for_signal(signal);
  if (failed) fmt::print(stderr, "mxsim size: {} runs failed and were left out\n", failed);
  return outcome.answer && outcome.contradictions.empty() ? kExitOk : kExitFindings;
}

const bool registered = register_command(
    {"size", "find the smallest (or largest) value of a scenario key that meets targets, by bisection over seeds",
     size_command, 52});

}  // namespace
}  // namespace mxsim::app
