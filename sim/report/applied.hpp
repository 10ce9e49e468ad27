// The scenario's events as the run applied them: every fault window (start,
// end) and every zone update (when), so that summary.json describes the run
// by itself and plots never re-read a scenario file that may have changed.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "model/observer.hpp"
#include "scenario/scenario.hpp"

namespace mxsim::report {

struct FaultWindow {
  std::uint32_t event = 0;  // index into the scenario's events
  std::string fault;        // down, refuse, tempfail, slow, servfail, degrade
  std::string target;       // server key, link, or (servfail) domain, without a final dot
  double start_s = 0;
  double end_s = 0;
  bool until_end = false;   // still on when the run ended (end_s is the run's end)
};

struct ZoneChange {
  std::uint32_t event = 0;
  double at_s = 0;
  std::string zone;  // the update's records, as written
};

const char* fault_name(scenario::Fault fault);

// Hears the faults the model times itself; those SimGrid applies (`down`
// under the engine, link faults) never reach the model as events and are
// taken from their schedule, which the engine follows exactly.
class AppliedEvents final : public model::Observer {
 public:
  explicit AppliedEvents(const scenario::Scenario& scenario);

  void fault_began(double t, std::uint32_t event) override;
  void fault_ended(double t, std::uint32_t event) override;

  // The first kListedWindows windows in order of start (a periodic fault
  // over a long run has millions), the run's end clipping those still on.
  static constexpr std::size_t kListedWindows = 1000;
  struct Windows {
    std::vector<FaultWindow> listed;
    std::uint64_t more = 0;  // windows left out of `listed`
  };
  Windows windows(double end) const;
  const std::vector<ZoneChange>& zone_changes() const { return zone_changes_; }

 private:
  const scenario::Scenario& scenario_;
  std::vector<bool> heard_;                 // by event: the model timed it
  std::vector<FaultWindow> windows_;        // the first heard ones, closed or open
  std::uint64_t heard_more_ = 0;            // heard ones past the first kListedWindows
  // By event: indexes of its open windows in windows_ (kUnlisted: one left out).
  static constexpr std::size_t kUnlisted = ~std::size_t{0};
  std::vector<std::deque<std::size_t>> open_;
  std::vector<ZoneChange> zone_changes_;
};

}  // namespace mxsim::report
