// Sending-MTA profiles: the named parameters that make one MTA behave unlike
// another (MX ordering policy, timeouts, address limits, retry schedule,
// give-up time). Values and their sources are in profile.cpp; docs/profiles.md
// collects the facts.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mxsim::mta {

enum class RetryRule {
  fixed,          // next attempt a fixed interval after a failure
  postfix_age,    // now + clamp(age, min_backoff, max_backoff), rounded up to a queue scan
  exim_rules,     // every queue run; the host retry records (F,2h,15m; G,16h,1h,1.5; F,4d,6h) gate the tries
  queue_run,      // the next queue run (Sendmail -q30m)
  quadratic,      // OpenSMTPD: creation + retry_interval * k^2, the first such step after now, k >= n failures
};

// What an MTA remembers about failed hosts across messages.
enum class HostMemory {
  none,
  dead_destination,  // Postfix: every server of a destination failed: defer its mail unseen
  retry_records,     // Exim: a failed address is skipped until its own retry time
  host_status,       // Sendmail: a failed host is skipped for host_status_timeout
  route_penalty,     // OpenSMTPD: a failed route is disabled 15*penalty^2 s, at most 1 h
};

// The reaction to a 5xx greeting. A 5xx to MAIL, RCPT or DATA is permanent
// for every profile (model/server.hpp, rejection_bounces).
enum class On5xx {
  bounce,   // the message is returned: bounce `rejected`
  next_mx,  // treated like a 4xx: try the next address, defer if none accepts
};

struct Profile {
  std::string name;
  // How it orders an MX set: a policy of sim/selection (`mxsim policies`),
  // used unless the sender group names its own in `selection:`.
  std::string selection = "rfc5321-shuffle";
  double connect_timeout = 0;    // s: no answer to SYN
  double command_timeout = 0;    // s: waiting for a greeting or a reply
  int address_limit = 0;         // addresses tried per delivery attempt; 0 = all
  int round_trips = 0;           // SMTP dialogue from SYN to the 250 after DATA
  int destination_concurrency = 0;  // parallel deliveries per destination; 0 = no limit
  // Postfix's concurrency scheduler (mta/concurrency.hpp): the window starts
  // here and moves with the feedback of each delivery, up to
  // destination_concurrency; 0 = a fixed window of destination_concurrency.
  int initial_destination_concurrency = 0;
  double positive_feedback = 0;           // per delivery without connection or handshake failure
  double negative_feedback = 0;           // per delivery with one
  bool positive_feedback_per_concurrency = false;  // Postfix's "x/concurrency": the amount / window
  bool negative_feedback_per_concurrency = false;
  int failed_cohort_limit = 0;            // dead after this many failed pseudo-cohorts; 0 = never
  // Connection reuse: a finished session is kept for the next message of the
  // same destination waiting in the active queue (no connect, greeting or EHLO).
  bool connection_reuse = false;
  double connection_reuse_time = 0;       // s: a connection older than this is not kept
  int connection_max_messages = 0;        // messages per connection; 0 = no limit
  int kept_round_trips = 0;               // a message's dialogue on a kept connection
  RetryRule retry = RetryRule::fixed;
  double retry_interval = 0;     // fixed: s between attempts
  double min_backoff = 0;        // postfix_age
  double max_backoff = 0;        // postfix_age
  double queue_run_delay = 0;    // postfix_age: deferred queue scanned this often
  double max_lifetime = 0;       // s: a message older than this bounces at its next failure
  bool lifetime_from_first_failure = false;  // Exim counts the give-up time from the first failure
  double queue_run_interval = 0; // exim_rules, queue_run: attempts happen at queue runs
  int session_limit = 0;         // sessions past EHLO that end in 4xx/5xx per attempt; 0 = none
  On5xx on_5xx_greeting = On5xx::next_mx;
  HostMemory memory = HostMemory::none;
  double host_status_timeout = 0;  // host_status: how long a failed host is skipped
  double penalty_unit = 0;         // route_penalty: disabled penalty_unit * penalty^2 ...
  double penalty_max = 0;          // ... at most this long
  // Where on its timer's grid (phase + k * period) each MTA's deferred-queue
  // scan or queue runs fall: < 0 (the default) draws it per MTA, uniform over
  // one period (mta/phase.hpp); an override fixes it for every MTA of a
  // group, as for MTAs restarted together after a power cut.
  double queue_phase = -1;
  // Sendmail's HostStatusDirectory: host status shared by every process of
  // the MTA; unset (stock) it lives in one queue-run or delivery process.
  bool host_status_directory = false;
  // OpenSMTPD's connection limits (smtpd/limit.c, mta.c; mta/connection_limits.hpp):
  // connections per route (source address, MX address), per MX address and
  // per relay (this model's relay is its domain); 0 = no limits (other profiles).
  int max_conn_per_route = 0;
  int max_conn_per_host = 0;
  int max_conn_per_domain = 0;
  double route_connect_delay = 0;     // s between two connects on one route
  double relay_connect_delay = 0;     // s between two connects for one relay
  double route_disconnect_delay = 0;  // s after a disconnect before the route is used again
  int source_addresses = 1;           // local addresses the MTA sends from (`relay src`)
  int max_mail_per_session = 0;       // messages one session carries; 0 = no limit
  double session_keepalive = 0;       // s a session without a task idles before QUIT
  // Postfix: a session stored in the connection cache idles this long for a
  // message of its destination (smtp_connection_cache_time_limit); 0 = not stored idle.
  double connection_cache_time = 0;
  // Deferred mail waits for queue-run processes (Exim, Sendmail), each
  // delivering the messages of its run one after another
  // (model/queue_runner.hpp); false: each deferred message is retried on its
  // own at its retry time.
  bool queue_runners = false;
  int queue_run_max = 0;                // runs at once; 0 = no limit (a new run at every interval)
  // Sendmail: connections a queue run keeps open after a delivery, for its
  // later messages to the same host, and how long one may sit idle.
  int connection_cache_size = 0;
  double connection_cache_timeout = 0;  // s: one idle this long is closed, not reused
};

// What the retry schedule needs to know about one message.
struct RetryState {
  double submitted = 0;       // when this MTA got the message
  double first_failure = -1;  // -1: none yet
  int failures = 0;           // failed delivery attempts so far, this one included
  double last_gap = 0;        // the previous gap (Exim's geometric rule grows it)
};

// The profiles this build knows, in a fixed order: the one list of their names.
const std::vector<std::string>& profile_names();

// Throws std::invalid_argument with the list of known names.
Profile profile_by_name(std::string_view name);

// `overrides:` in a sender group; throws std::invalid_argument naming the
// parameter for an unknown name or a value out of range.
void apply_override(Profile& profile, std::string_view parameter, double value);
const std::vector<std::string>& override_names();
// True for the parameters that are switches (written true/false or 1/0).
bool is_switch(std::string_view parameter);

// A sender group's profile: the named one with its `overrides:` applied in
// order (the loader has checked both, so this throws only for code-built input).
Profile configured_profile(std::string_view name, const std::vector<std::pair<std::string, double>>& overrides);

// When the next delivery attempt happens after a failed one at `now`.
// Absolute simulated time; updates state.last_gap. The queue scans and queue
// runs it rounds up to fall on this MTA's own grid phase + k * period
// (mta/phase.hpp says why each MTA has its own); phase 0 is the grid of an
// MTA started at t = 0, which the three-argument form keeps.
double next_retry(const Profile& profile, RetryState& state, double now, double phase);
double next_retry(const Profile& profile, RetryState& state, double now);

// The period of the profile's periodic timer (Postfix's deferred-queue scan,
// the -q queue runs of Exim and Sendmail); 0 when its retries are not on a grid.
double timer_period(const Profile& profile);

// True when a message that just failed at `now` has run out of time.
bool expired(const Profile& profile, const RetryState& state, double now);

}  // namespace mxsim::mta
