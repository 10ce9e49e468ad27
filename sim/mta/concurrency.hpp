// Postfix's per-destination concurrency scheduler (Postfix >= 2.5,
// src/qmgr/qmgr_queue.c qmgr_queue_unthrottle and qmgr_queue_throttle,
// qmgr_feedback.c, README_FILES/SCHEDULER_README): a window of parallel
// deliveries that moves with each delivery's feedback, and the "dead
// destination" that failed pseudo-cohorts declare. Plain state, no clock.
#pragma once

#include <cstdint>

#include "mta/profile.hpp"

namespace mxsim::mta {

// A profile with initial_destination_concurrency = 0 has a fixed window of
// destination_concurrency (0: no limit) that feedback leaves alone.
class ConcurrencyWindow {
 public:
  ConcurrencyWindow() = default;
  explicit ConcurrencyWindow(const Profile& profile);

  // True when one more delivery may start while `busy` are in progress.
  bool admits(std::uint32_t busy) const {
    return !dead_ && (window_ == 0 || busy < static_cast<std::uint32_t>(window_));
  }
  int window() const { return window_; }  // meaningless while dead
  bool dead() const { return dead_; }
  double fail_cohorts() const { return fail_cohorts_; }

  // A delivery ended without a connection or handshake failure; `busy`
  // counts the deliveries in progress, that one included (qmgr_deliver.c
  // gives feedback before it releases the entry). A dead destination comes
  // back at once.
  void success(const Profile& profile, std::uint32_t busy);
  // A delivery ended with a connection or handshake failure. Returns true
  // when this failure declared the destination dead (only a destination that
  // is not dead takes negative feedback: qmgr_deliver.c).
  bool failure(const Profile& profile);
  // The timer that a dead destination set (minimal_backoff_time) went off.
  void revive(const Profile& profile, std::uint32_t busy);

 private:
  static int initial(const Profile& profile);

  int window_ = 0;
  double success_ = 0;       // positive feedback towards the next step up
  double failure_ = 0;       // negative feedback left before the next step down
  double fail_cohorts_ = 0;  // failed pseudo-cohorts since the last success
  bool dead_ = false;
};

}  // namespace mxsim::mta
