// The command registry and the atomic output file.
#include "app/command.hpp"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

namespace mxsim::app {

namespace {
std::vector<Command>& registry() {
  static std::vector<Command> list;
  return list;
}
}  // namespace

bool register_command(const Command& command) {
  auto& list = registry();
  list.push_back(command);
  std::sort(list.begin(), list.end(), [](const Command& a, const Command& b) { return a.order < b.order; });
  return true;
}

const std::vector<Command>& commands() { return registry(); }

AtomicFile::AtomicFile(std::filesystem::path path)
    : path_(std::move(path)), temp_(path_.string() + ".tmp"), out_(temp_) {
  if (!out_) throw std::runtime_error(fmt::format("cannot write {}", temp_.string()));
}

AtomicFile::~AtomicFile() {
  if (!committed_) {
    out_.close();
    std::error_code ignored;
    std::filesystem::remove(temp_, ignored);
  }
}

void AtomicFile::commit() {
  out_.close();
  if (!out_) throw std::runtime_error(fmt::format("cannot write {}", temp_.string()));
  std::filesystem::rename(temp_, path_);
  committed_ = true;
}

}  // namespace mxsim::app
