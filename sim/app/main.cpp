// mxsim's command line: parses options, loads, runs, writes. Nothing else.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <boost/program_options.hpp>
#include <fmt/format.h>
#include <fmt/ostream.h>
#include <nlohmann/json.hpp>

#include "dns/lint.hpp"
#include "engine/engine.hpp"
#include "report/writers.hpp"
#include "scenario/scenario.hpp"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace {

constexpr int kExitOk = 0;
constexpr int kExitFindings = 1;
constexpr int kExitUsage = 2;

const char* kUsage =
    "usage: mxsim COMMAND [options]\n"
    "\n"
    "commands:\n"
    "  run SCENARIO        simulate a scenario and report latency and load\n"
    "  validate SCENARIO.. check scenarios and their zones (exit 0 clean, 1 findings, 2 unusable)\n"
    "\n"
    "`mxsim COMMAND --help` describes a command's options.\n";

// Writes to PATH.tmp and renames, so that a crash never leaves a half file
// that looks whole.
class AtomicFile {
 public:
  explicit AtomicFile(fs::path path) : path_(std::move(path)), temp_(path_.string() + ".tmp"), out_(temp_) {
    if (!out_) throw std::runtime_error(fmt::format("cannot write {}", temp_.string()));
  }
  std::ostream& stream() { return out_; }
  void commit() {
    out_.close();
    if (!out_) throw std::runtime_error(fmt::format("cannot write {}", temp_.string()));
    fs::rename(temp_, path_);
  }

 private:
  fs::path path_;
  fs::path temp_;
  std::ofstream out_;
};

int run_command(const std::vector<std::string>& args) {
  po::options_description options("mxsim run SCENARIO [options]\n\nSimulate SCENARIO (a YAML file, see README.md) "
                                   "and print a summary.\n\noptions");
  std::string scenario_path, out_dir, format = "text";
  std::uint64_t seed = 0;
  // clang-format off
  options.add_options()
      ("help,h", "describe the options")
      ("seed", po::value<std::uint64_t>(&seed), "random seed (default: the scenario's `seed`, else 1)")
      ("out", po::value<std::string>(&out_dir),
       "directory to write summary.json, servers.csv, timeseries.csv and queue.csv into (created if missing)")
      ("format", po::value<std::string>(&format)->default_value("text"),
       "what to print on stdout: text (human summary), json (summary.json) or csv (servers.csv)")
      ("quiet,q", "print nothing on stdout (files from --out are still written)")
      ("sim-log", "let SimGrid print its own log messages (silenced by default)");
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
    std::cout << options << "\nexit codes: 0 success, 1 the run broke conservation, 2 unusable input\n";
    return kExitOk;
  }
  if (scenario_path.empty()) throw po::error("missing SCENARIO (see mxsim run --help)");
  if (format != "text" && format != "json" && format != "csv")
    throw po::error(fmt::format("--format must be text, json or csv, not \"{}\"", format));

  const auto scenario = mxsim::scenario::load_file(scenario_path);
  mxsim::engine::Options run_options;
  run_options.seed = vm.count("seed") ? seed : scenario.seed;
  run_options.sim_log = vm.count("sim-log") > 0;

  std::unique_ptr<AtomicFile> timeseries, queue;
  if (!out_dir.empty()) {
    fs::create_directories(out_dir);
    timeseries = std::make_unique<AtomicFile>(fs::path(out_dir) / "timeseries.csv");
    queue = std::make_unique<AtomicFile>(fs::path(out_dir) / "queue.csv");
    run_options.timeseries = &timeseries->stream();
    run_options.queue = &queue->stream();
  }
  const auto result = mxsim::engine::run(scenario, run_options);

  if (!out_dir.empty()) {
    timeseries->commit();
    queue->commit();
    AtomicFile summary(fs::path(out_dir) / "summary.json");
    summary.stream() << mxsim::report::summary_json_text(result.summary);
    summary.commit();
    AtomicFile servers(fs::path(out_dir) / "servers.csv");
    mxsim::report::write_servers_csv(result.summary, servers.stream());
    servers.commit();
  }
  if (!vm.count("quiet")) {
    if (format == "json") {
      std::cout << mxsim::report::summary_json_text(result.summary);
    } else if (format == "csv") {
      mxsim::report::write_servers_csv(result.summary, std::cout);
    } else {
      mxsim::report::write_text(result.summary, std::cout);
    }
  }
  if (!result.conserved || result.deadlock) {
    fmt::print(stderr, "mxsim: {}: the run broke conservation of messages (submitted != delivered + bounced + "
               "pending){}\n", scenario_path, result.deadlock ? " after SimGrid reported a deadlock" : "");
    return kExitFindings;
  }
  return kExitOk;
}

int validate_command(const std::vector<std::string>& args) {
  po::options_description options("mxsim validate SCENARIO... [options]\n\nCheck scenario files and the MX data of "
                                  "their zones without running them.\n\noptions");
  std::vector<std::string> paths;
  std::string format = "text";
  options.add_options()("help,h", "describe the options")(
      "format", po::value<std::string>(&format)->default_value("text"),
      "text (one finding per line, file:line:column: severity: [check] message) or json (a list of findings)");
  po::options_description hidden;
  hidden.add_options()("scenario", po::value<std::vector<std::string>>(&paths));
  po::options_description all;
  all.add(options).add(hidden);
  po::positional_options_description positional;
  positional.add("scenario", -1);
  po::variables_map vm;
  po::store(po::command_line_parser(args).options(all).positional(positional).run(), vm);
  po::notify(vm);
  if (vm.count("help")) {
    std::cout << options
              << "\nchecks: mx-cname (RFC 2181 §10.3), mx-no-address (RFC 5321 §5.1), null-mx-with-others and "
                 "null-mx-preference (RFC 7505 §3), duplicate-mx\n"
                 "exit codes: 0 clean, 1 findings, 2 unusable input (the first such error is printed)\n";
    return kExitOk;
  }
  if (paths.empty()) throw po::error("missing SCENARIO (see mxsim validate --help)");
  if (format != "text" && format != "json")
    throw po::error(fmt::format("--format must be text or json, not \"{}\"", format));

  auto findings_json = nlohmann::json::array();
  std::size_t count = 0;
  for (const auto& path : paths) {
    const auto scenario = mxsim::scenario::load_file(path);
    const auto db = mxsim::scenario::build_zone(scenario);
    for (const auto& f : mxsim::dns::lint_zone(db)) {
      ++count;
      if (format == "text") {
        fmt::print("{}: {}: [{}] {}\n", f.where.str(), f.severity, f.check, f.message);
      } else {
        findings_json.push_back({{"file", f.where.file},
                                 {"line", f.where.line},
                                 {"column", f.where.column},
                                 {"check", f.check},
                                 {"severity", f.severity},
                                 {"message", f.message}});
      }
    }
  }
  if (format == "json") std::cout << findings_json.dump(2) << "\n";
  else if (count == 0) fmt::print("{}: no findings\n", paths.size() == 1 ? paths.front() : "all scenarios");
  return count ? kExitFindings : kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << kUsage;
    return kExitUsage;
  }
  const std::string command = argv[1];
  const std::vector<std::string> args(argv + 2, argv + argc);
  try {
    if (command == "--help" || command == "-h" || command == "help") {
      std::cout << kUsage;
      return kExitOk;
    }
    if (command == "run") return run_command(args);
    if (command == "validate") return validate_command(args);
    std::cerr << "mxsim: unknown command \"" << command << "\"\n" << kUsage;
    return kExitUsage;
  } catch (const mxsim::util::InputError& e) {
    fmt::print(stderr, "mxsim: {}\n", e.what());
    return kExitUsage;
  } catch (const po::error& e) {
    fmt::print(stderr, "mxsim {}: {}\n", command, e.what());
    return kExitUsage;
  } catch (const std::exception& e) {
    fmt::print(stderr, "mxsim {}: {}\n", command, e.what());
    return kExitUsage;
  }
}
