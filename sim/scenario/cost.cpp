// Run-cost estimates (cost.hpp) from the paces measured on a 2-core machine:
// about 300 k messages/s under fast sessions, 50 k under network sessions,
// and a process start of about 50 ms (SimGrid's own set-up included).
#include "scenario/cost.hpp"

namespace mxsim::scenario {
namespace {

constexpr double kFastMessagesPerSecond = 300e3;
constexpr double kNetworkMessagesPerSecond = 50e3;
constexpr double kStartSeconds = 0.05;

}  // namespace

RunCost estimate_run(const Scenario& scenario) {
  double rate = 0;
  for (const auto& group : scenario.senders) rate += group.rate;
  const double messages = rate * scenario.duration;
  const double pace =
      scenario.engine.sessions == SessionKind::network ? kNetworkMessagesPerSecond : kFastMessagesPerSecond;
  return {.messages = messages, .seconds = kStartSeconds + messages / pace};
}

}  // namespace mxsim::scenario
