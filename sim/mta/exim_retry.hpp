// Exim's host retry records as retry.c keeps them: one record per host
// (strictly per IP address) with its first failure, last try and next try,
// the retry rules applied once per try that reaches the host, and the give-up
// once the host has failed past the last rule's cutoff.
#pragma once

#include <optional>
#include <vector>

namespace mxsim::mta {

// One parameter set of a retry rule, "<letter>,<cutoff>,<arguments>" (Exim spec,
// "Retry configuration" / "Retry parameters"). The cutoff is measured from the
// host's first failure, "not from the time the message was received".
struct EximRetryStep {
  enum class Kind { fixed, geometric };  // 'F' and 'G' ('H' is G with a random gap: not modelled)
  Kind kind = Kind::fixed;
  double cutoff = 0;      // s after the first failure up to which this step applies
  double interval = 0;    // F: the gap; G: the first gap (and the smallest)
  double multiplier = 1;  // G: the factor on the previous gap
};

struct EximRetryRules {
  std::vector<EximRetryStep> steps;
  // retry_interval_max (main option, default and maximum 24h): no gap longer.
  double interval_max = 24 * 3600.0;
  // retry_data_expire (main option, default 7d): a record not written for this
  // long is ignored, as if the host had never failed ("Timeout of retry data").
  double data_expire = 7 * 86400.0;
};

// `* * F,2h,15m; G,16h,1h,1.5; F,4d,6h` from src/src/configure.default (spec,
// "Retry rule examples" and "Long-term failures": "the cutoff time is four days").
const EximRetryRules& exim_default_rules();

// What retry.c stores for one host (dbdata_retry).
struct HostRetryRecord {
  double first_failed = 0;  // the first failure of this run of failures
  double last_try = 0;      // the last failed try (also the record's time stamp)
  double next_try = 0;      // no try of this host before this time
  bool expired = false;     // failing past the last rule's cutoff at the last try
};

// A record that retry_data_expire has not made stale, or nothing.
std::optional<HostRetryRecord> live_record(const std::optional<HostRetryRecord>& record, double now,
                                           const EximRetryRules& rules = exim_default_rules());

// The outcome of a failed try of a host (retry_update() in retry.c).
struct HostFailure {
  HostRetryRecord record;  // what retry.c writes back
  bool timed_out = false;  // this host's retry item is timed out for the message
};

// A try of the host failed at `now` for a message received at `received`.
// No (live) record: one is created with first_failed = last_try = next_try =
// now. The step is the first whose cutoff the failing interval (now -
// first_failed) has not passed (`failing_interval <= rule->timeout`); past the
// last cutoff the record is `expired`, the last step still gives the next try,
// and the item is timed out. F: next_try = now + interval. G: the previous gap
// is min(next_try - last_try, now - last_try) (predicted and actual), and the
// next gap is `interval` while that is smaller, else previous * multiplier: so
// a G step's first gap is its interval (retry.c, "rule = 'G' or 'H'"; the spec's
// "retry intervals are computed from the rule's parameters until one that is
// greater than the previous interval is found"). No gap above interval_max.
// retry.c's second time-out: a message received no later than the host's
// first failure and queued longer than the last cutoff times the item out as
// well, with next_try = now so that the next message gets one try.
HostFailure on_host_failure(const std::optional<HostRetryRecord>& record, double now, double received,
                            const EximRetryRules& rules = exim_default_rules());
// The record alone, for a message received now (no message-age time-out).
HostRetryRecord on_host_failure(const std::optional<HostRetryRecord>& record, double now,
                                const EximRetryRules& rules = exim_default_rules());
// A delivery that reaches the host deletes its record (retry.c: a succeeded
// address's retry items are "delete" items): the caller erases it.

// True when the host may be tried at `now`: no live record, or now >= next_try
// (retry_check_address(): `now < host_retry_record->next_try` is "retry time
// not reached").
bool retry_time_reached(const std::optional<HostRetryRecord>& record, double now,
                        const EximRetryRules& rules = exim_default_rules());

// True when the host has failed past the last rule's cutoff (the record's
// `expired` flag, set at its last failed try) and the record is live.
bool host_timed_out(const std::optional<HostRetryRecord>& record, double now,
                    const EximRetryRules& rules = exim_default_rules());

// How the smtp transport sees one host of a message (retry_check_address()).
enum class HostStatus {
  usable,            // tried in this delivery
  unusable,          // "retry time not reached": skipped, no try, the record unchanged
  unusable_expired,  // skipped as well, and timed out
};
// A host whose retry time has not come and that has not timed out is usable
// all the same for a message queued longer than the last cutoff ("on queue
// longer than maximum retry for address - allowing delivery",
// retry_ultimate_address_timeout()).
HostStatus host_status(const std::optional<HostRetryRecord>& record, double now, double received,
                       const EximRetryRules& rules = exim_default_rules());

// One delivery attempt of a message none of whose hosts accepted it, counted
// per host (the smtp transport's loop over the host list).
struct EximAttempt {
  int tried = 0;            // hosts tried: each failed and went through on_host_failure
  int tried_timed_out = 0;  // of those, HostFailure::timed_out
  int skipped = 0;          // HostStatus::unusable, and hosts left out by hosts_max_try
  int skipped_expired = 0;  // HostStatus::unusable_expired
};

enum class EximVerdict {
  defer,   // stays on the queue for a later queue run
  bounce,  // "retry timeout exceeded" or "all hosts ... have been failing for a long time"
};

// With delay_after_cutoff true (the smtp transport's default):
// - no host tried, and every host skipped as timed out: bounce at once ("all
//   hosts for '...' have been failing for a long time (and retry time not
//   reached)", transports/smtp.c); any host merely skipped: defer ("retry
//   time not reached for any host") without a try and without changing any
//   record;
// - hosts tried: bounce when every tried host's item timed out and no host
//   was skipped for its retry time (retry_update(): `update_count ==
//   timedout_count` unless af_retry_skipped), else defer.
// (delay_after_cutoff false, a second pass over expired hosts last tried
// before the message arrived, is not modelled.)
EximVerdict exim_verdict(const EximAttempt& attempt);

// Queue runs of a -q<interval> daemon started at `phase` (mta/phase.hpp):
// the first run strictly after `now`.
double next_queue_run(double now, double phase, double interval);

// The queue run at which a deferred message is next tried: the first run
// after `now` at or after `next_try` (the earliest next try of its hosts).
// "Retry times are hints rather than promises ... a queue runner process
// starts delivery processes for delayed messages periodically, and these
// attempt new deliveries only for those addresses that have passed their next
// retry time" (spec, "Retry parameters"). Runs before it would only log "retry
// time not reached", which changes nothing.
double first_run_for(double next_try, double now, double phase, double interval);

}  // namespace mxsim::mta
