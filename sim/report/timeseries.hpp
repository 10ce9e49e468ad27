// timeseries.csv and queue.csv: the model's events counted in bins of the
// scenario's `report: {bin:}`, each row written as its bin closes so that
// memory does not grow with the length of the run.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "model/observer.hpp"
#include "report/counters.hpp"

namespace mxsim::report {

struct ServerLabel {
  std::string host;
  std::string address;
  bool mail_target = true;  // false: no sender connects to it (a name server's address): no rows
};

class TimeSeries final : public model::Observer {
 public:
  // Either stream may be null (that file is not kept).
  TimeSeries(std::vector<ServerLabel> servers, double bin, std::ostream* timeseries, std::ostream* queue);

  void submitted(double t) override;
  void connection(double t, std::uint32_t server) override;
  void connection_closed(double t, std::uint32_t server, std::uint32_t messages) override;
  void attempt_ended(const model::AttemptEnd& attempt) override;
  void session_started(double t, std::uint32_t server) override;
  void session_ended(double t, std::uint32_t server) override;
  void delivered(double t, std::uint32_t group, double latency) override;
  void bounced(double t, BounceReason reason) override;
  void deferred(double t) override;
  void retry_started(double t) override;

  // Writes every bin up to the one holding `end`.
  void finish(double end);

 private:
  struct BinQueue {
    std::uint64_t submitted = 0, delivered = 0, bounced = 0;
  };

  void advance(double t) {
    if (t >= bin_end_) close_bins(t);
  }
  void close_bins(double t);
  void write_bin();

  std::vector<ServerLabel> labels_;
  double bin_;
  std::uint64_t bin_index_ = 0;
  double bin_end_;
  std::ostream* timeseries_;
  std::ostream* queue_;
  std::vector<ServerCounters> bin_servers_;
  std::vector<std::uint64_t> in_use_;  // sessions open now, by server
  BinQueue bin_queue_;
  std::uint64_t in_flight_ = 0;  // messages submitted and not yet delivered or bounced
  std::uint64_t deferred_ = 0;   // waiting for a retry now
};

}  // namespace mxsim::report
