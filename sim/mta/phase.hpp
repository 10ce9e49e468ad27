// Per-MTA phases of periodic timers: each MTA runs its deferred-queue scan or
// its queue runs on its own grid phase + k * period, from its own start, and
// the functions here draw that phase and round times onto the grid.
#pragma once

#include "util/random.hpp"

namespace mxsim::mta {

// Why every MTA has its own grid (docs/profiles.md,
// "Timers are not synchronized"):
// - Postfix: qmgr_post_init() (src/qmgr/qmgr.c) calls qmgr_deferred_run_event()
//   when the queue manager starts, and that routine scans the deferred queue and
//   re-arms itself with event_request_timer(..., var_queue_run_delay): the scans
//   fall every queue_run_delay (SCHEDULER_README, postconf(5) queue_run_delay,
//   default 300 s) counted from the qmgr's own start.
// - Exim: "-q<time> ... starting a queue runner process at intervals specified by
//   the given time value" (spec, command line option -q); daemon.c "pretends the
//   alarm has just gone off" at start-up, so the first run is at the daemon's
//   start, and bumps next_tick by the interval (`next_tick += interval`) after
//   each: a fixed grid from the daemon's start.
// - Sendmail: runqueue() (sendmail/queue.c) re-arms setevent(QueueIntvl,
//   runqueueevent) after each run of a `sendmail -bd -q30m` daemon: every
//   interval from its start.
// Across a population the start times are unrelated, so the phases are uniform
// over one period; they coincide only for MTAs restarted together.

// A phase uniform over [0, period) from the MTA's own stream. Always takes
// exactly one draw (also for period <= 0, which gives 0), so the stream's later
// draws do not depend on the profile.
double draw_phase(double period, util::Rng& rng);

// A given phase (an override such as `queue_phase`) brought into [0, period);
// 0 for period <= 0.
double normalize_phase(double phase, double period);

// The first tick of the grid phase + k * period (k any integer) at or after t.
// Exact on the grid: t equal to a tick as phase + k * period computes it stays
// on that tick, whatever the rounding of (t - phase) / period. With phase 0 it
// is ceil(t / period) * period whenever that is at or after t and no earlier
// tick is. period <= 0: t itself.
double tick_at_or_after(double t, double phase, double period);

// The first tick strictly after t (a run "at t" has already happened).
// period <= 0: t itself.
double tick_after(double t, double phase, double period);

}  // namespace mxsim::mta
