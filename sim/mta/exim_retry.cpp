// Exim's per-host retry records (src/src/retry.c: retry_check_address,
// retry_ultimate_address_timeout, retry_update) and the smtp transport's
// verdict on a message whose hosts all failed or were skipped
// (src/src/transports/smtp.c), with the spec's sections cited beside each rule.
#include "mta/exim_retry.hpp"

#include "mta/phase.hpp"

#include <algorithm>

namespace mxsim::mta {
namespace {

constexpr double kHour = 3600;

// The last step's cutoff is the give-up time; with no steps there are no
// retries ("temporary errors are treated as permanent", "Retry configuration").
double final_cutoff(const EximRetryRules& rules) { return rules.steps.empty() ? 0 : rules.steps.back().cutoff; }

}  // namespace

const EximRetryRules& exim_default_rules() {
  using Kind = EximRetryStep::Kind;
  static const EximRetryRules rules{
      .steps =
          {
              {.kind = Kind::fixed, .cutoff = 2 * kHour, .interval = 15 * 60.0},                        // F,2h,15m
              {.kind = Kind::geometric, .cutoff = 16 * kHour, .interval = kHour, .multiplier = 1.5},  // G,16h,1h,1.5
              {.kind = Kind::fixed, .cutoff = 4 * 24 * kHour, .interval = 6 * kHour},                 // F,4d,6h
          },
  };
  return rules;
}

std::optional<HostRetryRecord> live_record(const std::optional<HostRetryRecord>& record, double now,
                                           const EximRetryRules& rules) {
  // retry.c: `now - retry_record->time_stamp > retry_data_expire` ignores the
  // record; the time stamp is when it was last written, i.e. the last try.
  if (record && now - record->last_try > rules.data_expire) return std::nullopt;
  return record;
}

HostFailure on_host_failure(const std::optional<HostRetryRecord>& record, double now, double received,
                            const EximRetryRules& rules) {
  HostFailure out;
  HostRetryRecord& r = out.record;
  if (const auto live = live_record(record, now, rules)) {
    r = *live;
  } else {
    // A new record: first_failed = last_try = next_try = now, so a G step met
    // first sees a previous gap of 0 and starts at its interval.
    r = HostRetryRecord{.first_failed = now, .last_try = now, .next_try = now, .expired = false};
  }

  // "The algorithm definitions are scanned in order until one whose cutoff
  // time has not yet passed is reached" (spec, "Retry parameters");
  // retry.c: `if (failing_interval <= rule->timeout) break;`.
  const double failing_interval = now - r.first_failed;
  const EximRetryStep* step = nullptr;
  for (const EximRetryStep& s : rules.steps) {
    if (failing_interval <= s.cutoff) {
      step = &s;
      break;
    }
  }
  if (step) {
    r.expired = false;
  } else {
    // Past the last cutoff: the host has timed out, and the last step still
    // sets its next try ("a next retry time is still computed from the final
    // algorithm", "Long-term failures").
    r.expired = true;
    out.timed_out = true;
    step = rules.steps.empty() ? nullptr : &rules.steps.back();
  }

  // retry.c: a message received no later than the host's first failure and
  // on the queue longer than the final cutoff times the item out too, and the
  // next try is now "so that any subsequent messages in the same condition
  // also get tried".
  if (!r.expired && step && received <= r.first_failed && now - received > final_cutoff(rules)) {
    out.timed_out = true;
    step = nullptr;
  }

  double next_try = now;
  if (step && step->kind == EximRetryStep::Kind::fixed) {
    next_try = now + step->interval;
  } else if (step) {
    // G: the smaller of the gap predicted at the last try and the gap that
    // actually passed, then the interval while that is smaller, else the
    // previous gap times the multiplier (retry.c, `lastgap < rule->p1 ?
    // rule->p1 : (lastgap * rule->p2)/1000`; Exim computes in whole seconds).
    const double predicted = r.next_try - r.last_try;
    const double actual = now - r.last_try;
    const double last_gap = std::min(predicted, actual);
    next_try = now + (last_gap < step->interval ? step->interval : last_gap * step->multiplier);
  }
  // "retry_interval_max limits the maximum interval between retries" (spec).
  next_try = std::min(next_try, now + rules.interval_max);

  r.last_try = now;
  r.next_try = next_try;
  return out;
}

HostRetryRecord on_host_failure(const std::optional<HostRetryRecord>& record, double now,
                                const EximRetryRules& rules) {
  return on_host_failure(record, now, now, rules).record;
}

bool retry_time_reached(const std::optional<HostRetryRecord>& record, double now, const EximRetryRules& rules) {
  const auto live = live_record(record, now, rules);
  return !live || now >= live->next_try;
}

bool host_timed_out(const std::optional<HostRetryRecord>& record, double now, const EximRetryRules& rules) {
  const auto live = live_record(record, now, rules);
  return live && live->expired;
}

HostStatus host_status(const std::optional<HostRetryRecord>& record, double now, double received,
                       const EximRetryRules& rules) {
  const auto live = live_record(record, now, rules);
  if (!live || now >= live->next_try) return HostStatus::usable;
  // retry_ultimate_address_timeout(): `now - received_time > last_rule->timeout`
  // (no rules at all: timed out).
  if (!live->expired && now - received > final_cutoff(rules)) return HostStatus::usable;
  return live->expired ? HostStatus::unusable_expired : HostStatus::unusable;
}

EximVerdict exim_verdict(const EximAttempt& attempt) {
  if (attempt.tried == 0) {
    // smtp.c: `expired` stays TRUE only when no host was tried and every one
    // was unusable_expired; with delay_after_cutoff the address then FAILs.
    const bool all_expired = attempt.skipped == 0 && attempt.skipped_expired > 0;
    return all_expired ? EximVerdict::bounce : EximVerdict::defer;
  }
  // retry_update(): the address times out when all its (non-delete) retry
  // items timed out, unless some host was skipped (af_retry_skipped).
  const bool all_timed_out = attempt.tried_timed_out == attempt.tried;
  return all_timed_out && attempt.skipped == 0 ? EximVerdict::bounce : EximVerdict::defer;
}

double next_queue_run(double now, double phase, double interval) { return tick_after(now, phase, interval); }

double first_run_for(double next_try, double now, double phase, double interval) {
  return std::max(tick_after(now, phase, interval), tick_at_or_after(next_try, phase, interval));
}

}  // namespace mxsim::mta
