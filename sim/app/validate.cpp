// `mxsim validate`: lint scenarios and their zones without running them.
#include <iostream>
#include <string>
#include <variant>
#include <vector>

#include <boost/program_options.hpp>
#include <fmt/format.h>
#include <fmt/ostream.h>
#include <nlohmann/json.hpp>

#include "app/command.hpp"
#include "app/options.hpp"
#include "dns/lint.hpp"
#include "lint/scenario_lint.hpp"
#include "scenario/cost.hpp"
#include "scenario/memory.hpp"
#include "scenario/scenario.hpp"
#include "scenario/topology.hpp"

namespace po = boost::program_options;

namespace mxsim::app {
namespace {

std::string checks_help() {
  std::string text = "\nchecks (stable names; each finding says why it matters and cites its RFC):\n";
  for (const auto& c : lint::checks())
    text += fmt::format("  {:<20} {:<15} {} ({})\n", c.name, c.severity, c.summary, c.rfc);
  return text;
}

// notice < warning < error; 0 for anything else.
int severity_rank(const std::string& severity) {
  return severity == "notice" ? 1 : severity == "warning" ? 2 : severity == "error" ? 3 : 0;
}

nlohmann::json finding_json(const dns::Finding& f) {
  nlohmann::json facts = nlohmann::json::object();
  // A lambda does not capture a structured binding before clang 16: `fact`, not [key, value].
  for (const auto& fact : f.facts) std::visit([&](const auto& v) { facts[fact.first] = v; }, fact.second);
  return {{"file", f.where.file}, {"line", f.where.line},     {"column", f.where.column}, {"check", f.check},
          {"severity", f.severity}, {"message", f.message}, {"rfc", f.rfc},            {"facts", facts}};
}

// One line a scenario: "PATH: estimate: N messages, about S s, peak memory
// M MiB (process ..., messages ..., ...); limit memory=L MiB: within|above".
void print_estimate(const std::string& path, const scenario::Scenario& scenario, const dns::ZoneDb& db,
                    const scenario::Limits& limits, bool paje) {
  const scenario::Topology topology(scenario, db);
  const auto m = scenario::estimate_memory(scenario, topology, paje);
  const auto cost = scenario::estimate_run(scenario);
  constexpr double kMiB = 1024.0 * 1024.0;
  const double budget = static_cast<double>(limits.memory);
  fmt::print("{}: estimate: {:.0f} messages, about {:.3g} s, peak memory {:.1f} MiB (process {:.1f}, messages {:.1f}, "
             "mtas {:.1f}, resolvers {:.1f}, actors {:.1f}, periodic {:.1f}, reports {:.1f}); limit memory={:.0f} MiB: "
             "{}\n",
             path, cost.messages, cost.seconds, m.total() / kMiB, m.process / kMiB, m.messages / kMiB, m.mtas / kMiB,
             m.resolvers / kMiB, m.actors / kMiB, m.periodic / kMiB, m.reports / kMiB, budget / kMiB,
             m.total() <= budget ? "within" : "above");
}

int validate_command(const std::vector<std::string>& args) {
  po::options_description options("mxsim validate SCENARIO... [options]\n\nCheck scenario files and the MX data of "
                                  "their zones without running them.\n\noptions");
  std::vector<std::string> paths;
  std::string format = "text", fail_on = "warning";
  std::vector<std::string> limit_args;
  options.add_options()("help,h", "describe the options")(
      "fail-on", po::value<std::string>(&fail_on)->default_value("warning"),
      "error, warning or notice: the least severe finding that makes the exit code 1 (the others are printed "
      "and exit 0)")(
      "format", po::value<std::string>(&format)->default_value("text"),
      "text (one finding per line, file:line:column: severity: [check] message) or json (a list of findings)")(
      "limit", po::value<std::vector<std::string>>(&limit_args),
      "NAME=VALUE: raise a limit on what a scenario may ask for (repeatable; see mxsim run --help)")(
      "estimate", "also print each scenario's estimated run: messages, wall time and peak memory (virtual, "
      "itemized), against the memory limit `run` applies (text format only)")(
      "paje", "with --estimate: as for a run with --paje");
  const auto vm = parse_command_line(args, options, "scenario", paths);
  if (vm.count("help")) {
    std::cout << options
              << checks_help() << "\n--format json prints one list of findings, each {file, line, column, check, "
                 "severity, message, rfc, facts}; facts holds the domain, target, address... of the finding.\n"
                 "severities: error (the mail cannot flow as meant), warning (it will suffer), notice (worth a "
                 "look).\nexit codes: 0 clean (or only findings below --fail-on), 1 findings at or above --fail-on, "
                 "2 unusable input (the first such error is printed)\n";
    return kExitOk;
  }
  if (paths.empty()) throw po::error("missing SCENARIO (see mxsim validate --help)");
  if (format != "text" && format != "json")
    throw po::error(fmt::format("--format must be text or json, not \"{}\"", format));
  const int threshold = severity_rank(fail_on);
  if (threshold == 0) throw po::error(fmt::format("--fail-on must be error, warning or notice, not \"{}\"", fail_on));

  const auto limits = scenario::parse_limits(limit_args);
  const bool estimate = vm.count("estimate") > 0;
  if (estimate && format != "text") throw po::error("--estimate prints text: use it with --format text");
  auto findings_json = nlohmann::json::array();
  std::size_t count = 0, failing = 0;
  for (const auto& path : paths) {
    const auto scenario = scenario::load_file(path, limits);
    const auto db = scenario::build_zone(scenario);
    if (estimate) print_estimate(path, scenario, db, limits, vm.count("paje") > 0);
    for (const auto& f : lint::lint_scenario(scenario, db)) {
      ++count;
      if (severity_rank(f.severity) >= threshold) ++failing;
      if (format == "text")
        fmt::print("{}: {}: [{}] {}\n", f.where.str(), f.severity, f.check, f.message);
      else
        findings_json.push_back(finding_json(f));
    }
  }
  if (format == "json") std::cout << findings_json.dump(2) << "\n";
  else if (count == 0) fmt::print("{}: no findings\n", paths.size() == 1 ? paths.front() : "all scenarios");
  return failing ? kExitFindings : kExitOk;
}

const bool registered =
    register_command({"validate", "check scenarios and their zones (exit 0 clean, 1 findings, 2 unusable)",
                      validate_command, 20});

}  // namespace
}  // namespace mxsim::app
