// Exim's host retry records: the default rule F,2h,15m; G,16h,1h,1.5; F,4d,6h
// applied once per try that reaches the host, skipped hosts left alone, queue
// runs on the daemon's own grid, and the give-up 4 days after the first failure.
#include <gtest/gtest.h>

#include <optional>
#include <vector>

#include "mta/exim_retry.hpp"

namespace mxsim::mta {
namespace {

constexpr double kHour = 3600;
constexpr double kDay = 86400;
constexpr double kRun = 1800;  // -q30m

struct Outcome {
  std::vector<double> tries;  // failed tries of the host
  double delivered = -1;
  double bounced = -1;
  int skipped_runs = 0;       // runs that found the retry time not reached
};

// One message for one host, received at `arrival` and tried at once (Exim's
// immediate delivery), then at every queue run phase + k * 30 min: a run whose
// time is before the host's next try skips it ("retry time not reached") and
// must leave the record as it was. Failures cost no time (connection refused).
Outcome run_one(double arrival, double phase, double up_at, double until, std::optional<HostRetryRecord>& record) {
  Outcome out;
  for (double t = arrival; t <= until; t = next_queue_run(t, phase, kRun)) {
    const HostStatus status = host_status(record, t, arrival);
    if (status != HostStatus::usable) {
      const EximAttempt skipped{.skipped = status == HostStatus::unusable ? 1 : 0,
                                .skipped_expired = status == HostStatus::unusable_expired ? 1 : 0};
      ++out.skipped_runs;
      EXPECT_FALSE(retry_time_reached(record, t));
      if (exim_verdict(skipped) == EximVerdict::bounce) {
        out.bounced = t;
        return out;
      }
      continue;
    }
    if (t >= up_at) {
      out.delivered = t;
      record.reset();  // a delivery deletes the host's record
      return out;
    }
    out.tries.push_back(t);
    const HostFailure f = on_host_failure(record, t, arrival);
    record = f.record;
    const EximAttempt attempt{.tried = 1, .tried_timed_out = f.timed_out ? 1 : 0};
    if (exim_verdict(attempt) == EximVerdict::bounce) {
      out.bounced = t;
      return out;
    }
    // The run that tries it next is the one first_run_for names.
    EXPECT_EQ(first_run_for(record->next_try, t, phase, kRun),
              [&] {
                double r = next_queue_run(t, phase, kRun);
                while (r < record->next_try) r = next_queue_run(r, phase, kRun);
                return r;
              }())
        << "after the try at " << t;
  }
  return out;
}

struct DownCase {
  const char* name;
  double arrival, phase, up_at;
  std::vector<double> expected_tries;
  double expected_delivery;
};

// Expected times by hand from the rule text. Gaps: 15 min while the host has
// failed for at most 2 h (F,2h,15m: `failing_interval <= cutoff`); then G: the
// first gap is 1 h (the last gap, min(predicted, actual), is 15 min < 1 h),
// then the previous *predicted* gap x 1.5 (an actual gap stretched by the queue
// run does not count: min(predicted, actual)). Each try is at the first run at
// or after next_try.
const DownCase kDownCases[] = {
    {"phase 0, arrival 0",
     0, 0, 10 * kHour,
     {
         0,      // next 900          -> run 1800
         1800,   // failing 1800: F   -> 2700 -> run 3600
         3600,   // F                 -> 4500 -> 5400
         5400,   // F                 -> 6300 -> 7200
         7200,   // failing 7200 <= 2h: still F -> 8100 -> 9000
         9000,   // G: min(900, 1800) < 1h: 1h -> 12600, a run: taken there
         12600,  // min(3600, 3600) x 1.5 = 5400 -> 18000, a run
         18000,  // 5400 x 1.5 = 8100 -> 26100 -> 27000
         27000,  // min(8100, 9000) x 1.5 = 12150 -> 39150 -> 39600
     },
     39600},  // the host is up since 36000: delivered at that run
    {"phase 600, arrival 1000",
     1000, 600, 10 * kHour,
     {
         1000,   // next 1900         -> run 2400 (runs at 600 + k*1800)
         2400,   // failing 1400: F   -> 3300 -> 4200
         4200,   // -> 5100 -> 6000
         6000,   // -> 6900 -> 7800
         7800,   // failing 6800: F   -> 8700 -> 9600
         9600,   // failing 8600: G, min(900, 1800) < 1h: 1h -> 13200, a run
         13200,  // min(3600, 3600) x 1.5 = 5400 -> 18600, a run
         18600,  // 8100 -> 26700 -> 27600
         27600,  // min(8100, 9000) x 1.5 = 12150 -> 39750 -> 40200
     },
     40200},
};

TEST(EximRetry, HostDownTenHours) {
  for (const auto& c : kDownCases) {
    std::optional<HostRetryRecord> record;
    const Outcome o = run_one(c.arrival, c.phase, c.up_at, 2 * kDay, record);
    EXPECT_EQ(o.tries, c.expected_tries) << c.name;
    EXPECT_EQ(o.delivered, c.expected_delivery) << c.name;
    EXPECT_EQ(o.bounced, -1) << c.name;
    EXPECT_GT(o.skipped_runs, 0) << c.name;
  }
}

// Thirty messages queued while the host is down (the first tries it at once,
// the others arrive before its next try): the rule advances once per try that
// reaches the host, not once per message, so the host is tried at the same
// runs as for one message and every message goes at the same run.
TEST(EximRetry, ManyMessagesShareTheHostsSchedule) {
  const auto& c = kDownCases[0];
  std::optional<HostRetryRecord> record;
  std::vector<double> arrivals;
  for (int i = 0; i < 30; ++i) arrivals.push_back(i * 10.0);
  std::vector<double> tries;
  std::vector<double> delivered(arrivals.size(), -1);
  // Message i at time t: tried if its host is usable, else left alone.
  auto attempt = [&](std::size_t i, double t) {
    if (delivered[i] >= 0 || host_status(record, t, arrivals[i]) != HostStatus::usable) return;
    if (t >= c.up_at) {
      delivered[i] = t;
      return;
    }
    tries.push_back(t);
    const HostFailure f = on_host_failure(record, t, arrivals[i]);
    record = f.record;
    EXPECT_EQ(exim_verdict({.tried = 1, .tried_timed_out = f.timed_out ? 1 : 0}), EximVerdict::defer);
  };
  std::size_t arrived = 0;
  for (double run = 0; run <= 2 * kDay; run = next_queue_run(run, c.phase, kRun)) {
    // In time order: each arrival's immediate delivery, then the run over the queue.
    for (; arrived < arrivals.size() && arrivals[arrived] <= run; ++arrived) attempt(arrived, arrivals[arrived]);
    for (std::size_t i = 0; i < arrived; ++i) attempt(i, run);
  }
  EXPECT_EQ(tries, c.expected_tries);
  for (double d : delivered) EXPECT_EQ(d, c.expected_delivery);
}

// Down for 5 days, a message queued since the first failure: nothing
// bounces before 4 days. The host's own schedule would next try it at
// 59400 + 14 x 21600 = 361800 (after 27000, table above: 12150 x 1.5 = 18225
// -> 57825 -> run 59400; failing > 16 h: F,4d,6h, every 6 h on the runs), but
// the message has been queued longer than the last cutoff at the first run
// past 4 days (345600 is a run and not past it; 347400 is): it may try the host
// before its retry time (retry_ultimate_address_timeout), and that failure
// finds the host failing for more than 4 days: timed out, bounce.
TEST(EximRetry, HostDownFiveDaysGivesUpAfterFourDays) {
  std::optional<HostRetryRecord> record;
  const Outcome o = run_one(0, 0, 5 * kDay, 6 * kDay, record);
  EXPECT_EQ(o.bounced, 4 * kDay + 1800);
  EXPECT_EQ(o.delivered, -1);
  ASSERT_GE(o.tries.size(), 2u);
  EXPECT_EQ(o.tries.back(), 4 * kDay + 1800);
  EXPECT_EQ(o.tries[o.tries.size() - 2], 59400 + 13 * 21600.0);  // 340200: still within 4 days
  EXPECT_EQ(o.tries.size(), 11u + 13u + 1u);
  ASSERT_TRUE(record);
  EXPECT_TRUE(record->expired);
  EXPECT_EQ(record->next_try, 4 * kDay + 1800 + 6 * kHour);
}

// The host has failed since t = 0 and a message arrives a day later: it is
// tried at once (the host's retry time passed long ago; failing > 16 h: F,4d,6h)
// and then every 6 h: 86400 + 21600 k. The try at 345600 is exactly 4 days after
// the first failure, not past the cutoff (`failing_interval <= cutoff`); the
// next, 367200, is past it: the host times out and the message bounces, though
// it is only 3.25 days old. Later messages bounce at once until the host's next
// try, then after one failed try.
TEST(EximRetry, TimedOutHostBouncesNewerMessages) {
  std::optional<HostRetryRecord> record = on_host_failure(std::nullopt, 0);
  const Outcome o = run_one(kDay, 0, 10 * kDay, 10 * kDay, record);
  EXPECT_EQ(o.tries.front(), kDay);
  EXPECT_EQ(o.tries[o.tries.size() - 2], kDay + 12 * 21600.0);
  EXPECT_EQ(o.tries[o.tries.size() - 2], 4 * kDay);
  EXPECT_EQ(o.bounced, kDay + 13 * 21600.0);
  ASSERT_TRUE(record);
  EXPECT_TRUE(record->expired);
  EXPECT_TRUE(host_timed_out(record, o.bounced));
  EXPECT_EQ(record->next_try, o.bounced + 6 * kHour);  // the last rule still sets it

  // A message arriving after the give-up, before the host's next try:
  // "all hosts ... have been failing for a long time (and retry time not
  // reached)": bounced at once, no try.
  const double later = o.bounced + kHour;
  EXPECT_EQ(host_status(record, later, later), HostStatus::unusable_expired);
  EXPECT_EQ(exim_verdict({.skipped_expired = 1}), EximVerdict::bounce);
  // At the host's next try one attempt is made; it fails and bounces.
  const double next = record->next_try;
  EXPECT_EQ(host_status(record, next, later), HostStatus::usable);
  const HostFailure f = on_host_failure(record, next, later);
  EXPECT_TRUE(f.timed_out);
  EXPECT_EQ(exim_verdict({.tried = 1, .tried_timed_out = 1}), EximVerdict::bounce);
}

// A host whose retry time has not come is skipped without a try and without
// changing its record ("retry time not reached for any host"): the message is
// deferred, not bounced, before the give-up.
TEST(EximRetry, RetryTimeNotReachedDefersWithoutATry) {
  const std::optional<HostRetryRecord> record = on_host_failure(std::nullopt, 1000);
  EXPECT_EQ(record->first_failed, 1000);
  EXPECT_EQ(record->next_try, 1900);
  EXPECT_FALSE(retry_time_reached(record, 1899));
  EXPECT_TRUE(retry_time_reached(record, 1900));
  EXPECT_EQ(host_status(record, 1500, 1400), HostStatus::unusable);
  EXPECT_FALSE(host_timed_out(record, 1500));
  EXPECT_TRUE(retry_time_reached(std::nullopt, 0));
}

struct VerdictCase {
  const char* name;
  EximAttempt attempt;
  EximVerdict expected;
};

TEST(EximRetry, VerdictTable) {
  const VerdictCase cases[] = {
      {"all skipped, retry time not reached", {.skipped = 2}, EximVerdict::defer},
      {"all skipped and timed out", {.skipped_expired = 2}, EximVerdict::bounce},
      {"one skipped, one skipped timed out", {.skipped = 1, .skipped_expired = 1}, EximVerdict::defer},
      {"tried, not timed out", {.tried = 2}, EximVerdict::defer},
      {"tried, one of two timed out", {.tried = 2, .tried_timed_out = 1}, EximVerdict::defer},
      {"tried, all timed out", {.tried = 2, .tried_timed_out = 2}, EximVerdict::bounce},
      {"tried timed out, another skipped", {.tried = 1, .tried_timed_out = 1, .skipped = 1}, EximVerdict::defer},
      {"tried timed out, another skipped timed out",
       {.tried = 1, .tried_timed_out = 1, .skipped_expired = 1},
       EximVerdict::bounce},
      {"no hosts", {}, EximVerdict::defer},
  };
  for (const auto& c : cases) EXPECT_EQ(exim_verdict(c.attempt), c.expected) << c.name;
}

// retry_data_expire: a record not written for 7 days is ignored: the host is
// no longer timed out, and the next failure starts a new record.
TEST(EximRetry, OldRecordsAreForgotten) {
  const HostRetryRecord old{.first_failed = 0, .last_try = 5 * kDay, .next_try = 5 * kDay + 6 * kHour,
                            .expired = true};
  EXPECT_TRUE(host_timed_out(old, 12 * kDay));
  EXPECT_FALSE(host_timed_out(old, 12 * kDay + 1));
  EXPECT_EQ(host_status(old, 5 * kDay + kHour, 5 * kDay), HostStatus::unusable_expired);
  const HostRetryRecord fresh = on_host_failure(old, 13 * kDay);
  EXPECT_FALSE(fresh.expired);
  EXPECT_EQ(fresh.first_failed, 13 * kDay);
  EXPECT_EQ(fresh.next_try, 13 * kDay + 900);
}

// retry_interval_max caps a geometric rule's gaps at 24 h.
TEST(EximRetry, GapsAreCappedAtTheIntervalMax) {
  EximRetryRules rules{.steps = {{.kind = EximRetryStep::Kind::geometric,
                                  .cutoff = 30 * kDay,
                                  .interval = kHour,
                                  .multiplier = 10}}};
  std::optional<HostRetryRecord> record;
  std::vector<double> gaps;
  for (int i = 0; i < 4; ++i) {
    const double now = record ? record->next_try : 0;
    record = on_host_failure(record, now, rules);
    gaps.push_back(record->next_try - now);
  }
  EXPECT_EQ(gaps, (std::vector<double>{kHour, 10 * kHour, 24 * kHour, 24 * kHour}));
}

// Two routes to the give-up for an old message: a message queued longer than
// the last cutoff may try a host whose retry time has not come
// (retry_ultimate_address_timeout), and a failure then times it out even
// though the host first failed less than 4 days ago, with next_try = now.
TEST(EximRetry, MessagesOlderThanTheCutoff) {
  const HostRetryRecord record{.first_failed = 4 * kDay, .last_try = 4 * kDay + kHour,
                               .next_try = 4 * kDay + 2 * kHour, .expired = false};
  const double now = 4 * kDay + 1.5 * kHour;
  EXPECT_EQ(host_status(record, now, kDay), HostStatus::unusable);  // queued 3 d 1.5 h: skipped
  EXPECT_EQ(host_status(record, now, -kDay), HostStatus::usable);   // queued 5 d 1.5 h: allowed
  // received no later than the first failure and queued over 4 days:
  const HostFailure f = on_host_failure(record, now, -kDay);
  EXPECT_TRUE(f.timed_out);
  EXPECT_FALSE(f.record.expired);
  EXPECT_EQ(f.record.next_try, now);
  // a message received after the first failure is not timed out by its age
  EXPECT_FALSE(on_host_failure(record, now, 4 * kDay + 10).timed_out);
}

TEST(EximRetry, QueueRunsOnTheDaemonsGrid) {
  EXPECT_EQ(next_queue_run(0, 0, kRun), 1800);
  EXPECT_EQ(next_queue_run(1799, 0, kRun), 1800);
  EXPECT_EQ(next_queue_run(1800, 0, kRun), 3600);  // the run at 1800 is this one
  EXPECT_EQ(next_queue_run(1000, 600, kRun), 2400);
  EXPECT_EQ(next_queue_run(100, 600, kRun), 600);
  // first_run_for: not before the next try, and after now.
  EXPECT_EQ(first_run_for(1900, 1000, 600, kRun), 2400);
  EXPECT_EQ(first_run_for(13200, 9600, 600, kRun), 13200);  // next_try on a run
  EXPECT_EQ(first_run_for(500, 9600, 600, kRun), 11400);    // due already: the next run
}

TEST(EximRetry, DefaultRulesAsConfigured) {
  const auto& r = exim_default_rules();
  ASSERT_EQ(r.steps.size(), 3u);
  EXPECT_EQ(r.steps[0].cutoff, 2 * kHour);
  EXPECT_EQ(r.steps[0].interval, 900);
  EXPECT_EQ(r.steps[1].kind, EximRetryStep::Kind::geometric);
  EXPECT_EQ(r.steps[1].multiplier, 1.5);
  EXPECT_EQ(r.steps[2].cutoff, 4 * kDay);
  EXPECT_EQ(r.steps[2].interval, 6 * kHour);
  EXPECT_EQ(r.interval_max, 24 * kHour);
  EXPECT_EQ(r.data_expire, 7 * kDay);
}

}  // namespace
}  // namespace mxsim::mta
