// The feedback arithmetic of Postfix's qmgr_queue.c, step by step as the
// source does it (its "prepare for overshoot" margins of feedback / 2 included).
#include "mta/concurrency.hpp"

namespace mxsim::mta {
namespace {

// QMGR_FEEDBACK_VAL (qmgr.h): a fixed amount, or the amount / window for
// the "x/concurrency" form. The hysteresis is always 1 (qmgr_feedback.c).
double feedback(double amount, bool per_concurrency, int window) {
  return per_concurrency ? amount / window : amount;
}

}  // namespace

// qmgr_transport.c: the initial concurrency never exceeds the limit.
int ConcurrencyWindow::initial(const Profile& profile) {
  const int limit = profile.destination_concurrency;
  if (profile.initial_destination_concurrency == 0) return limit;
  return limit > 0 && limit < profile.initial_destination_concurrency ? limit
                                                                       : profile.initial_destination_concurrency;
}

ConcurrencyWindow::ConcurrencyWindow(const Profile& profile) : window_(initial(profile)) {}

// qmgr_queue_unthrottle.
void ConcurrencyWindow::success(const Profile& profile, std::uint32_t busy) {
  if (profile.initial_destination_concurrency == 0) return;
  if (dead_) return revive(profile, busy);  // "back from the almost grave"
  fail_cohorts_ = 0;
  const int limit = profile.destination_concurrency;
  // Grow only while the window stays within initial concurrency of the
  // deliveries actually in progress, or negative feedback would come too late.
  if ((limit != 0 && limit <= window_) ||
      window_ >= static_cast<int>(busy) + initial(profile))
    return;
  const double step = feedback(profile.positive_feedback, profile.positive_feedback_per_concurrency, window_);
  success_ += step;
  // The window grows at the end of a sequence of 1/feedback successes.
  while (success_ + step / 2 >= 1) {
    ++window_;
    success_ -= 1;
    failure_ = 0;
  }
  if (limit > 0 && window_ > limit) window_ = limit;
}

// qmgr_queue_throttle.
bool ConcurrencyWindow::failure(const Profile& profile) {
  if (profile.initial_destination_concurrency == 0 || dead_) return false;
  // A pseudo-cohort is as many deliveries as the window.
  fail_cohorts_ += 1.0 / window_;
  if (profile.failed_cohort_limit > 0 && fail_cohorts_ >= profile.failed_cohort_limit) {
    dead_ = true;
    return true;
  }
  const double step = feedback(profile.negative_feedback, profile.negative_feedback_per_concurrency, window_);
  failure_ -= step;
  // The window shrinks at the start of a sequence of 1/feedback failures.
  while (failure_ - step / 2 < 0) {
    --window_;
    success_ = 0;
    failure_ += 1;
  }
  if (window_ < 1) window_ = 1;
  return false;
}

// qmgr_queue_unthrottle on a throttled queue: "best concurrency is anyone's
// guess": the deliveries still in progress, else the initial concurrency.
void ConcurrencyWindow::revive(const Profile& profile, std::uint32_t busy) {
  if (!dead_) return;
  dead_ = false;
  fail_cohorts_ = 0;
  window_ = busy > 0 ? static_cast<int>(busy) : initial(profile);
  success_ = 0;
  failure_ = 0;
}

}  // namespace mxsim::mta
