// Everything a run reports, subscribed to the model as one observer: the
// statistics always, the time series and the trace when their files are
// asked for. One virtual call per model event reaches all of them.
#pragma once

#include <cstdint>
#include <memory>
#include <ostream>

#include "model/observer.hpp"
#include "report/applied.hpp"
#include "report/stats.hpp"
#include "report/summary.hpp"
#include "report/timeseries.hpp"
#include "report/trace.hpp"

namespace mxsim::model {
class World;
}

namespace mxsim::report {

struct Outputs {
  std::ostream* timeseries = nullptr;  // timeseries.csv; null: not kept
  std::ostream* queue = nullptr;       // queue.csv
  std::ostream* trace = nullptr;       // --trace: one line per connection attempt
};

class Recorder final : public model::Observer {
 public:
  // Labels come from `world` (its servers and groups); call
  // world.observe(*this) before running it.
  Recorder(const model::World& world, const Outputs& outputs);

  void submitted(double t) override;
  void connection(double t, std::uint32_t server) override;
  void connection_closed(double t, std::uint32_t server, std::uint32_t messages) override;
  void attempt_ended(const model::AttemptEnd& attempt) override;
  void session_started(double t, std::uint32_t server) override;
  void session_ended(double t, std::uint32_t server) override;
  void first_hop(double t, std::uint32_t group, double latency) override;
  void delivered(double t, std::uint32_t group, double latency) override;
  void bounced(double t, BounceReason reason) override;
  void deferred(double t) override;
  void retry_started(double t) override;
  void server_state(double t, std::uint32_t server, bool up) override;
  void fault_began(double t, std::uint32_t event) override;
  void fault_ended(double t, std::uint32_t event) override;

  // Closes the statistics and the last bins at `run.end`, and sums up.
  Summary finish(const RunInfo& run);
  const Stats& stats() const { return stats_; }

 private:
  const model::World& world_;
  Stats stats_;
  AppliedEvents applied_;
  std::unique_ptr<TimeSeries> timeseries_;
  std::unique_ptr<Trace> trace_;
};

}  // namespace mxsim::report
