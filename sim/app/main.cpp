// mxsim's command line: finds the subcommand and runs it. Each subcommand
// lives in its own file (run.cpp, validate.cpp, ...) and registers itself.
#include <cerrno>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include <boost/program_options/errors.hpp>
#include <fmt/format.h>

#include "app/command.hpp"
#include "app/output.hpp"
#include "util/error.hpp"

namespace {

std::string usage() {
  std::string text = "usage: mxsim COMMAND [options]\n\ncommands:\n";
  for (const auto& c : mxsim::app::commands()) text += fmt::format("  {:<10} {}\n", c.name, c.synopsis);
  text += "\n`mxsim COMMAND --help` describes a command's options; `mxsim --version` names this build.\n";
  return text;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace mxsim::app;
  if (argc < 2) {
    std::cerr << usage();
    return kExitUsage;
  }
  const std::string name = argv[1];
  const std::vector<std::string> args(argv + 2, argv + argc);
  if (name == "--help" || name == "-h" || name == "help") {
    std::cout << usage();
    return kExitOk;
  }
  if (name == "--version" || name == "-V" || name == "version") {
    std::cout << version_text();
    return kExitOk;
  }
  for (const auto& command : commands()) {
    if (name != command.name) continue;
    try {
      const int code = command.run(args);
      // A full disk behind `> file` fails the write, not the command: say so.
      // (run, compare and sweep check their own stdout and exit 2 or 141.)
      if (code <= kExitFindings && !flush_stdout()) {
        fmt::print(stderr, "mxsim {}: cannot write stdout: {}\n", name, std::strerror(errno));
        return kExitUsage;
      }
      return code;
    } catch (const mxsim::util::InputError& e) {
      fmt::print(stderr, "mxsim: {}\n", e.what());
    } catch (const boost::program_options::error& e) {
      fmt::print(stderr, "mxsim {}: {}\n", name, e.what());
    } catch (const std::exception& e) {
      fmt::print(stderr, "mxsim {}: {}\n", name, e.what());
    }
    return kExitUsage;
  }
  std::cerr << "mxsim: unknown command \"" << name << "\"\n" << usage();
  return kExitUsage;
}
