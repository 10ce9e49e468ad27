// The command registry, the version text and the atomic output file.
#include "app/command.hpp"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

// Pitfall: simgrid/version.h (3.32) uses the macros of xbt/base.h without including it.
#include <xbt/base.h>

#include <simgrid/version.h>

#include "git_revision.hpp"  // MXSIM_GIT_REVISION, written at build time (packaging/git-revision.cmake)

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

std::string version_text() {
  int major = 0, minor = 0, patch = 0;
  sg_version_get(&major, &minor, &patch);
  return fmt::format("mxsim {}\ngit revision {}\nSimGrid {}.{}.{}\n", MXSIM_VERSION, MXSIM_GIT_REVISION, major, minor,
                     patch);
}

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
