// The --trace file: one CSV line per connection attempt, written as each
// attempt ends.
#pragma once

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

  void attempt_ended(const model::AttemptEnd& attempt) override;

 private:
  std::vector<std::string> groups_;
  std::vector<ServerLabel> servers_;
  std::ostream& out_;
};

}  // namespace mxsim::report
