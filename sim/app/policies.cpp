// `mxsim policies`: the MX selection policies this build has, for
// `selection:` in a scenario and `--selection` of run and compare.
#include <iostream>
#include <string>
#include <vector>

#include <boost/program_options.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "app/command.hpp"
#include "selection/policy.hpp"

namespace po = boost::program_options;

namespace mxsim::app {
namespace {

int policies_command(const std::vector<std::string>& args) {
  po::options_description options("mxsim policies [options]\n\nList the MX selection policies a sender group may "
                                  "name in `selection:` (or mxsim run/compare --selection).\n\noptions");
  std::string format = "text";
  options.add_options()("help,h", "describe the options")(
      "format", po::value<std::string>(&format)->default_value("text"), "text or json");
  po::variables_map vm;
  po::store(po::command_line_parser(args).options(options).run(), vm);
  po::notify(vm);
  if (vm.count("help")) {
    std::cout << options;
    return kExitOk;
  }
  if (format == "json") {
    auto list = nlohmann::json::array();
    for (const auto& p : selection::policies())
      list.push_back({{"name", p.name}, {"description", p.description}, {"feedback", p.feedback}});
    std::cout << list.dump(2) << "\n";
    return kExitOk;
  }
  if (format != "text") throw po::error(fmt::format("--format must be text or json, not \"{}\"", format));
  for (const auto& p : selection::policies())
    fmt::print("{:<22} {}{}\n", p.name, p.description, p.feedback ? " [learns from its attempts]" : "");
  fmt::print("\nhealth-aware:NAME wraps any other policy, e.g. health-aware:least-connections.\n"
             "Every policy reorders only within a preference level; each MTA keeps its own state.\n");
  return kExitOk;
}

const bool registered =
    register_command({"policies", "list the MX selection policies (selection: and --selection)", policies_command, 40});

}  // namespace
}  // namespace mxsim::app
