// The delivery model: messages, sending MTAs and MX servers as plain C++
// data driven by a time-ordered event queue. No SimGrid here: the engine
// supplies the clock and the host outages; tests drive the model directly.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "scenario/scenario.hpp"

namespace mxsim::model {

// How long an SMTP session lasts, from SYN to the 250 after the data. The
// default counts round trips and adds the server's service time; a later
// model can make sessions real SimGrid activities behind this interface.
struct SessionRequest {
  std::uint32_t server = 0;
  double rtt = 0;
  int round_trips = 0;
  double service = 0;  // already scaled by any `slow` fault
};

class SessionModel {
 public:
  virtual ~SessionModel() = default;
  virtual double duration(const SessionRequest& request) = 0;
};

class RoundTripSessions final : public SessionModel {
 public:
  double duration(const SessionRequest& r) override { return r.rtt * r.round_trips + r.service; }
};

struct RunOptions {
  std::uint64_t seed = 1;
  std::ostream* timeseries = nullptr;  // CSV rows as bins close; null: not kept
  std::ostream* queue = nullptr;
  // True when the engine reports `down` faults through set_server_state()
  // (SimGrid host state profiles); false to let the model time them itself.
  bool outages_from_engine = false;
  // One CSV line per connection attempt (--trace); null: nothing is written.
  std::ostream* trace = nullptr;
};

struct DownWindow {
  double start = 0;
  double end = 0;
};

class World {
 public:
  static constexpr double kNever = std::numeric_limits<double>::infinity();

  // Throws util::InputError for what only the model can check (unknown
  // profiles, selections, override names, rtt keys).
  World(const scenario::Scenario& scenario, RunOptions options, SessionModel& sessions);
  ~World();
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  // The time of the next event; kNever when every message has ended and no
  // more will arrive (periodic faults alone do not keep the run going).
  double next_time() const;
  // Processes every event at or before `t`, in time order.
  void run_until(double t);
  // A server's host went down or came back at `t` (from the engine).
  void set_server_state(std::uint32_t server, bool up, double t);

  std::size_t server_count() const;
  const std::string& server_host(std::uint32_t server) const;
  const std::string& server_address(std::uint32_t server) const;
  // `down` windows of a server, periodic ones expanded up to `until`.
  std::vector<DownWindow> down_windows(std::uint32_t server, double until) const;
  // No message can still be alive after this time (arrivals end, plus the
  // longest lifetime and retry gap): a bound for expanding periodic faults.
  double time_bound() const;
  double horizon() const;  // kNever without one

  std::uint64_t submitted() const;
  std::uint64_t in_flight() const;
  // submitted == delivered + bounced + pending
  bool conserved() const;
  // Closes statistics at `end` and returns summary.json's content.
  nlohmann::json summary(double end, double wall_s);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mxsim::model
