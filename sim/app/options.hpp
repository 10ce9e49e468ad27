// The command lines of the subcommands: their named options, plus the
// operands (scenario, sweep or input files) given without an option name.
#pragma once

#include <string>
#include <type_traits>
#include <vector>

#include <boost/program_options.hpp>

namespace mxsim::app {

// Parses `args` against `options` and one operand option `name`, left out
// of --help, that takes the words given without an option name: one when
// `operands` is a string, any number when it is a vector of them. Every
// bound variable holds its value on return.
template <typename Operands>
boost::program_options::variables_map parse_command_line(const std::vector<std::string>& args,
                                                         const boost::program_options::options_description& options,
                                                         const char* name, Operands& operands) {
  namespace po = boost::program_options;
  po::options_description hidden;
  hidden.add_options()(name, po::value<Operands>(&operands));
  po::options_description all;
  all.add(options).add(hidden);
  po::positional_options_description positional;
  positional.add(name, std::is_same_v<Operands, std::string> ? 1 : -1);
  po::variables_map vm;
  po::store(po::command_line_parser(args).options(all).positional(positional).run(), vm);
  po::notify(vm);
  return vm;
}

}  // namespace mxsim::app
