// The --trace file: one CSV line per connection attempt, in the order the
// attempts started (ties in the order they ended). An attempt's line is
// known only when it ends, so lines wait until every attempt that started
// earlier has ended: memory grows with the attempts open at once, not with
// the run.
#pragma once

#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "model/observer.hpp"
#include "report/timeseries.hpp"

namespace mxsim::report {

class Trace final : public model::Observer {
 public:
  // `groups`: the model's group names (the senders', then the relays').
  Trace(std::vector<std::string> groups, std::vector<ServerLabel> servers, std::ostream& out);

  void connection(double t, std::uint32_t server) override;
  void attempt_ended(const model::AttemptEnd& attempt) override;
  // Writes the lines still waiting (attempts still open at the end have none).
  void finish();

 private:
  void flush();

  std::vector<std::string> groups_;
  std::vector<ServerLabel> servers_;
  std::ostream& out_;
  std::map<double, std::uint64_t> open_;       // start times of attempts not yet ended, with their count
  std::multimap<double, std::string> ended_;   // lines by start time; equal starts keep their end order
};

}  // namespace mxsim::report
