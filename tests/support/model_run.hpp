// Tests that run a scenario, given as YAML text, through the model alone
// (round-trip sessions, no SimGrid) and watch it with observers.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "model/world.hpp"
#include "scenario/scenario.hpp"

namespace mxsim::test {

// A domain with one MX host, mx.example.com at 192.0.2.1, TTLs of a day: a
// scenario's `zone:` block, up to its last newline.
inline const std::string kOneMxZone =
    "zone: |\n"
    "  $ORIGIN example.com.\n"
    "  $TTL 86400\n"
    "  @ IN MX 10 mx\n"
    "  mx IN A 192.0.2.1\n";

// The scenario `yaml` (errors name it `file_name`) and a world on it.
class ModelRun {
 public:
  ModelRun(const std::string& yaml, const std::string& file_name, std::uint64_t seed)
      : scenario_(scenario::load_text(yaml, file_name)), world_(scenario_, {.seed = seed}, sessions_) {}

  model::World& world() { return world_; }

  // Runs to the end, or to the horizon, with `observers` watching; a test
  // failure unless every message is accounted for. The simulated end time.
  template <typename... Observers>
  double run(Observers&... observers) {
    (world_.observe(observers), ...);
    const double end = model::run_standalone(world_);
    EXPECT_TRUE(world_.conserved());
    return end;
  }

 private:
  scenario::Scenario scenario_;
  model::RoundTripSessions sessions_;
  model::World world_;
};

}  // namespace mxsim::test
