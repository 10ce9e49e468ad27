// Profile defaults, each with its source. Where the reference marks a value
// "unconfirmed", the chosen value says so.
#include "mta/profile.hpp"

#include "mta/phase.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

namespace mxsim::mta {
namespace {

constexpr double kMinute = 60;
constexpr double kDay = 86400;

// The textbook MTA of RFC 5321, nothing more.
Profile rfc5321_profile() {
  Profile p;
  p.selection = "rfc5321-shuffle";      // §5.1: MUST randomize among equal preferences
  // §4.5.3.2 gives no connect timeout; we use the greeting timeout's 5 min
  // so that a dead host costs what an RFC client waits for its first reply.
  p.connect_timeout = 5 * kMinute;
  p.command_timeout = 5 * kMinute;       // §4.5.3.2.1 initial 220 message: 5 min
  p.address_limit = 0;                   // §5.1: SHOULD try at least two; it tries all
  // Lock-step dialogue without PIPELINING: SYN/SYN-ACK, 220, EHLO, MAIL,
  // RCPT, DATA, end of data: 7 round trips.
  p.round_trips = 7;
  p.destination_concurrency = 0;         // the RFC sets no limit
  p.retry = RetryRule::fixed;
  p.retry_interval = 30 * kMinute;       // §4.5.4.1: SHOULD be at least 30 minutes
  p.max_lifetime = 5 * kDay;             // §4.5.4.1: give up after at least 4-5 days
  p.on_5xx_greeting = On5xx::next_mx;    // §5.1: try the next address when one fails
  p.memory = HostMemory::none;           // the textbook MTA keeps no host list
  return p;
}

// Postfix 3.x defaults (src/global/mail_params.h, src/smtp/smtp_addr.c,
// src/smtp/smtp_connect.c, src/qmgr/qmgr_active.c, qmgr_queue.c).
Profile postfix_profile() {
  Profile p;
  p.selection = "postfix-shuffle";           // smtp_addr.c: dns_rr_shuffle then dns_rr_sort
  p.connect_timeout = 30;                    // smtp_connect_timeout = 30s
  p.command_timeout = 300;                   // smtp_helo_timeout = 300s
  p.address_limit = 5;                       // smtp_mx_address_limit = 5
  p.session_limit = 2;                       // smtp_mx_session_limit = 2
  // PIPELINING (RFC 2920) is used when offered: SYN/SYN-ACK, 220, EHLO,
  // MAIL+RCPT+DATA in one round trip, end of data: 5 round trips.
  p.round_trips = 5;
  // The concurrency scheduler of Postfix >= 2.5 (qmgr_queue.c, qmgr_feedback.c,
  // SCHEDULER_README; mta/concurrency.hpp): a destination's window starts at
  // initial_destination_concurrency = 5 and grows with positive feedback up
  // to default_destination_concurrency_limit = 20; the rest wait in the
  // active queue. mail_params.h: DEF_CONC_POS_FDBACK and DEF_CONC_NEG_FDBACK
  // are "1" (one window step per delivery, "compatible with earlier Postfix
  // versions", SCHEDULER_README), not "1/concurrency";
  // DEF_CONC_COHORT_LIM = 1 failed pseudo-cohort makes a destination dead.
  p.destination_concurrency = 20;
  p.initial_destination_concurrency = 5;
  p.positive_feedback = 1;
  p.negative_feedback = 1;
  p.failed_cohort_limit = 1;
  // smtp_connection_cache_on_demand = yes: while a destination has mail
  // waiting in the active queue, a finished session is kept for the next
  // delivery (qmgr_entry.c turns it on for back-to-back deliveries);
  // smtp_connection_reuse_time_limit = 300s; smtp_connection_reuse_count_limit
  // = 0 (no limit). A kept session is probed with RSET (smtp_reuse.c), then
  // MAIL+RCPT+DATA (pipelined) and the end of data: 3 round trips instead of 5.
  p.connection_reuse = true;
  p.connection_reuse_time = 300;
  p.connection_max_messages = 0;
  p.kept_round_trips = 3;
  // smtp_connection_cache_time_limit = 2s: a session the queue manager asked
  // to store (DEL_REQ_FLAG_CONN_STORE) with no mail waiting goes to the
  // scache(8) connection cache and idles there up to 2 s for the next
  // delivery to its destination (CONNECTION_CACHE_README; smtp_session.c
  // smtp_session_passivate, smtp_reuse.c smtp_reuse_nexthop). Its server
  // session stays open meanwhile.
  p.connection_cache_time = 2;
  p.retry = RetryRule::postfix_age;
  p.min_backoff = 300;                       // minimal_backoff_time = 300s
  p.max_backoff = 4000;                      // maximal_backoff_time = 4000s
  p.queue_run_delay = 300;                   // queue_run_delay = 300s
  p.max_lifetime = 5 * kDay;                 // maximal_queue_lifetime = 5d
  // smtp_skip_5xx_greeting = yes: smtp_proto.c (smtp_helo) turns a 5xx
  // greeting into 400 and smtp_connect.c skips the host without counting it
  // towards smtp_mx_session_limit; past the greeting smtp(8) says "no error
  // will cause it to proceed to the next address": a 5xx there bounces.
  p.on_5xx_greeting = On5xx::next_mx;
  // qmgr_queue.c qmgr_queue_throttle: when the failed pseudo-cohorts reach
  // the limit the destination is "dead": its waiting mail is deferred
  // (qmgr_defer_todo), new mail for it too, until a timer of
  // minimal_backoff_time revives it (qmgr_queue_unthrottle).
  p.memory = HostMemory::dead_destination;
  return p;
}

// Exim 4 defaults (src/src/host.c, retry.c, transports/smtp.c, and the
// retry rule of src/src/configure.default: `* * F,2h,15m; G,16h,1h,1.5; F,4d,6h`).
Profile exim_profile() {
  Profile p;
  p.selection = "exim-random";            // host.c: sort_key = pref*1000 + random_number(500)
  p.connect_timeout = 5 * kMinute;        // smtp transport connect_timeout = 5m
  p.command_timeout = 5 * kMinute;        // smtp transport command_timeout = 5m
  p.address_limit = 5;                    // hosts_max_try = 5 (hosts_max_try_hardlimit 50)
  p.round_trips = 5;                      // PIPELINING is used when offered (RFC 2920)
  // No per-destination window: an arriving message is delivered at once by
  // a process of its own and "Exim has no central queue manager" (spec,
  // remote_max_parallel). remote_max_parallel (globals.c: 2 until 4.96, 4
  // from 4.97, 6 in the development tree since 2025-10) runs the deliveries
  // of ONE message to several hosts in parallel; the model's messages have one recipient, so one host
  // set and one delivery at a time: it has nothing to parallelise.
  // Deferred mail waits for queue runners (model/queue_runner.hpp): daemon.c
  // daemon_qrun starts ONE runner per -q interval unless queue_run_max
  // (globals.c: "5") are running; queue.c queue_run forks one delivery
  // process per message, in random order (queue_get_spool_list with
  // !queue_run_in_order), and waits on a pipe until that process and every
  // process it passed its connection to have ended.
  p.queue_runners = true;
  p.queue_run_max = 5;
  // After a delivery the smtp transport looks in its wait-<transport> hints
  // for a message waiting for the same host (transport.c
  // transport_check_waiting, first acceptable id in the host's record),
  // sends RSET (transports/smtp.c) and passes the open connection to a new
  // delivery process for it (transport_do_pass_socket, -MC), up to
  // connection_max_messages (globals.c transport default: 500) per
  // connection. A message is added to the hints of every host of its list
  // when a delivery of it defers (transport_update_waiting). The RSET, then
  // MAIL+RCPT+DATA pipelined and the end of data: 3 round trips.
  p.connection_reuse = true;
  p.connection_max_messages = 500;
  p.kept_round_trips = 3;
  p.destination_concurrency = 0;
  p.retry = RetryRule::exim_rules;
  p.queue_run_interval = 30 * kMinute;    // queue runner -q30m, the usual setting
  p.max_lifetime = 4 * kDay;              // F,4d,6h: give up 4 days after the first failure
  p.lifetime_from_first_failure = true;
  // A 5xx greeting fails every address ("SMTP error from remote mail server
  // after initial connection: 554 ..." in its bounces: transports/smtp.c).
  p.on_5xx_greeting = On5xx::bounce;
  p.memory = HostMemory::retry_records;   // retry.c: per-host retry records
  return p;
}

// Sendmail 8.18 defaults (sendmail/domain.c getmxrr and mxrand, deliver.c, mci.c).
Profile sendmail_profile() {
  Profile p;
  p.selection = "sendmail-hash";          // domain.c mxrand(): hash seeded once per process
  // The OS's TCP connect limit (reference: about 75-127 s, unconfirmed): we
  // take Linux's 127 s (tcp_syn_retries = 6: 1+2+4+8+16+32+64 s).
  p.connect_timeout = 127;
  p.command_timeout = 5 * kMinute;        // Timeout.initial = 5m
  p.address_limit = 0;                    // tries every MX
  p.round_trips = 5;                      // PIPELINING is used when offered (RFC 2920)
  // No per-destination window: one delivery process per arriving message
  // (deliver.c). Deferred mail waits for queue runs (model/queue_runner.hpp):
  // the daemon forks a run at every -q interval (queue.c runqueue); with
  // MaxQueueChildren unset (cf/m4/proto.m4: no limit) MaxRunnersPerQueue
  // (1) does not apply, so a run starts even while the last one is still
  // going; each run takes its messages one after another in QueueSortOrder
  // (default priority: fewer tries first, since each try adds RetryFactor
  // to a message's priority) and skips a message another run holds locked.
  p.queue_runners = true;
  p.queue_run_max = 0;
  // A run keeps ConnectionCacheSize open connections (cf/m4/proto.m4
  // confMCI_CACHE_SIZE: 2) idle up to ConnectionCacheTimeout (5m) for its
  // later messages to the same host (op.me, "Connection caching"; mci.c),
  // probing a cached one with RSET before using it: RSET, MAIL+RCPT+DATA
  // pipelined, the end of data: 3 round trips.
  p.connection_cache_size = 2;
  p.connection_cache_timeout = 5 * kMinute;
  p.kept_round_trips = 3;
  p.destination_concurrency = 0;
  p.retry = RetryRule::queue_run;
  p.queue_run_interval = 30 * kMinute;    // sendmail -q30m, the usual setting
  p.max_lifetime = 5 * kDay;              // Timeout.queuereturn = 5d
  // usersmtp.c smtpinit(): a 5xx greeting goes to `unavailable` (the
  // connection is not opened) and deliver.c moves to the next MX host.
  p.on_5xx_greeting = On5xx::next_mx;
  p.memory = HostMemory::host_status;     // mci.c: host status cached
  p.host_status_timeout = 30 * kMinute;   // Timeout.hoststatus = 30m
  return p;
}

// OpenSMTPD 7.8 defaults (smtpd/mta.c, dns.c, scheduler_ramqueue.c).
Profile opensmtpd_profile() {
  Profile p;
  p.selection = "opensmtpd-least-loaded";  // mta.c: routes of the best level, least loaded first
  p.connect_timeout = 300;                  // mta I/O timeout 300 s
  p.command_timeout = 300;                  // mta I/O timeout 300 s
  p.address_limit = 0;                      // tries every route
  p.round_trips = 5;                        // PIPELINING is used when offered (RFC 2920)
  // No per-destination window: connections are limited instead, and the
  // messages that get none wait in the relay's task list (mta.c
  // mta_handle_envelope) for a session to take them (mta/connection_limits.hpp).
  // limit.c limit_mta_set_defaults: maxconn_per_route 5, maxconn_per_host 10
  // (a host is one MX address), maxconn_per_relay and maxconn_per_domain 100,
  // conndelay_route 5 s, conndelay_relay 2 s, discdelay_route 3 s.
  // mta.c mta_find_route: a route with a connection is not used again until
  // it is validated (ROUTE_NEW, cleared by mta_route_ok).
  p.destination_concurrency = 0;
  p.max_conn_per_route = 5;
  p.max_conn_per_host = 10;
  p.max_conn_per_domain = 100;
  p.route_connect_delay = 5;
  p.relay_connect_delay = 2;
  p.route_disconnect_delay = 3;
  p.source_addresses = 1;  // no `relay src` table: the system picks one address
  // limit.c: max_mail_per_session 100 (smtpd.conf(5) max-mail-per-session),
  // sessdelay_keepalive 10 s: mta_session.c takes the relay's next task
  // (mta_route_next_task) after each message and, with none, waits
  // sessdelay_keepalive for one before QUIT. The next message on a session
  // goes straight to MAIL (no RSET): MAIL+RCPT+DATA pipelined, end of data.
  p.max_mail_per_session = 100;
  p.session_keepalive = 10;
  p.kept_round_trips = 2;
  p.retry = RetryRule::quadratic;
  p.retry_interval = 400;                   // scheduler_ramqueue.c: creation + 400 s * n^2
  p.max_lifetime = 4 * kDay;                // expire 4d
  // mta_session.c: a banner that is not 2xx is "BANNER rejected": mta_error()
  // marks a route error (no message is tied to the session yet), and the
  // next connection takes another route.
  p.on_5xx_greeting = On5xx::next_mx;
  p.memory = HostMemory::route_penalty;     // mta.c: route disabled 15*penalty^2 s, max 1 h
  p.penalty_unit = 15;
  p.penalty_max = 3600;
  return p;
}

// Every profile, in the order profile_names() lists them.
struct NamedProfile {
  const char* name;
  Profile (*make)();
};
constexpr NamedProfile kProfiles[] = {
    {"postfix", postfix_profile},   {"exim", exim_profile}, {"sendmail", sendmail_profile},
    {"opensmtpd", opensmtpd_profile}, {"rfc5321", rfc5321_profile},
};

struct Parameter {
  const char* name;
  double Profile::*field;
  double minimum;
};

constexpr Parameter kDurationParameters[] = {
    {"connect_timeout", &Profile::connect_timeout, 1e-3},
    {"command_timeout", &Profile::command_timeout, 1e-3},
    {"retry_interval", &Profile::retry_interval, 1.0},
    {"min_backoff", &Profile::min_backoff, 1.0},
    {"max_backoff", &Profile::max_backoff, 1.0},
    {"queue_run_delay", &Profile::queue_run_delay, 0.0},
    {"max_lifetime", &Profile::max_lifetime, 0.0},
    {"queue_run_interval", &Profile::queue_run_interval, 1.0},
    {"host_status_timeout", &Profile::host_status_timeout, 0.0},
    {"queue_phase", &Profile::queue_phase, 0.0},
    {"connection_reuse_time", &Profile::connection_reuse_time, 0.0},
    {"route_connect_delay", &Profile::route_connect_delay, 0.0},
    {"relay_connect_delay", &Profile::relay_connect_delay, 0.0},
    {"route_disconnect_delay", &Profile::route_disconnect_delay, 0.0},
    {"session_keepalive", &Profile::session_keepalive, 0.0},
    {"connection_cache_time", &Profile::connection_cache_time, 0.0},
    {"connection_cache_timeout", &Profile::connection_cache_timeout, 0.0},
};

struct Count {
  const char* name;
  int Profile::*field;
};

constexpr Count kCountParameters[] = {
    {"address_limit", &Profile::address_limit},
    {"round_trips", &Profile::round_trips},
    {"destination_concurrency", &Profile::destination_concurrency},
    {"session_limit", &Profile::session_limit},
    {"initial_destination_concurrency", &Profile::initial_destination_concurrency},
    {"failed_cohort_limit", &Profile::failed_cohort_limit},
    {"connection_max_messages", &Profile::connection_max_messages},
    {"kept_round_trips", &Profile::kept_round_trips},
    {"max_conn_per_route", &Profile::max_conn_per_route},
    {"max_conn_per_host", &Profile::max_conn_per_host},
    {"max_conn_per_domain", &Profile::max_conn_per_domain},
    {"source_addresses", &Profile::source_addresses},
    {"max_mail_per_session", &Profile::max_mail_per_session},
    {"queue_run_max", &Profile::queue_run_max},
    {"connection_cache_size", &Profile::connection_cache_size},
};

// Postfix reads feedback as a number from 0 to 1 (qmgr_feedback.c).
constexpr std::pair<const char*, double Profile::*> kFractionParameters[] = {
    {"positive_feedback", &Profile::positive_feedback},
    {"negative_feedback", &Profile::negative_feedback},
};

struct Switch {
  const char* name;
  bool Profile::*field;
};

constexpr Switch kSwitchParameters[] = {
    {"host_status_directory", &Profile::host_status_directory},
    {"positive_feedback_per_concurrency", &Profile::positive_feedback_per_concurrency},
    {"negative_feedback_per_concurrency", &Profile::negative_feedback_per_concurrency},
    {"connection_reuse", &Profile::connection_reuse},
};

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

}  // namespace

const std::vector<std::string>& profile_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& p : kProfiles) out.emplace_back(p.name);
    return out;
  }();
  return names;
}

const std::vector<std::string>& override_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& p : kDurationParameters) out.emplace_back(p.name);
    for (const auto& p : kCountParameters) out.emplace_back(p.name);
    for (const auto& p : kFractionParameters) out.emplace_back(p.first);
    for (const auto& p : kSwitchParameters) out.emplace_back(p.name);
    return out;
  }();
  return names;
}

Profile profile_by_name(std::string_view name) {
  for (const auto& named : kProfiles) {
    if (name != named.name) continue;
    Profile p = named.make();
    p.name = named.name;
    return p;
  }
  throw std::invalid_argument(
      fmt::format("profile \"{}\" is not available in this build; available: {}", name, join(profile_names())));
}

bool is_switch(std::string_view parameter) {
  return std::any_of(std::begin(kSwitchParameters), std::end(kSwitchParameters),
                     [parameter](const Switch& s) { return parameter == s.name; });
}

Profile configured_profile(std::string_view name, const std::vector<std::pair<std::string, double>>& overrides) {
  Profile profile = profile_by_name(name);
  for (const auto& [parameter, value] : overrides) apply_override(profile, parameter, value);
  return profile;
}

void apply_override(Profile& profile, std::string_view parameter, double value) {
  if (!std::isfinite(value)) throw std::invalid_argument(fmt::format("{}: value must be finite", parameter));
  for (const auto& p : kDurationParameters) {
    if (parameter == p.name) {
      if (value < p.minimum) throw std::invalid_argument(fmt::format("{} must be at least {}s", parameter, p.minimum));
      profile.*p.field = value;
      return;
    }
  }
  for (const auto& s : kSwitchParameters) {
    if (parameter != s.name) continue;
    if (value != 0 && value != 1) throw std::invalid_argument(fmt::format("{} must be true or false", parameter));
    profile.*s.field = value == 1;
    return;
  }
  for (const auto& [name, field] : kFractionParameters) {
    if (parameter != name) continue;
    if (value < 0 || value > 1) throw std::invalid_argument(fmt::format("{} must be from 0 to 1", parameter));
    profile.*field = value;
    return;
  }
  for (const auto& c : kCountParameters) {
    if (parameter != c.name) continue;
    if (value < 0 || value != std::floor(value) || value > 100000)
      throw std::invalid_argument(fmt::format("{} must be a whole number from 0 to 100000", parameter));
    // A session leaves from one of the MTA's own addresses: it has at least one.
    if (c.field == &Profile::source_addresses && (value < 1 || value > 256))
      throw std::invalid_argument(fmt::format("{} must be a whole number from 1 to 256", parameter));
    profile.*c.field = static_cast<int>(value);
    return;
  }
  throw std::invalid_argument(
      fmt::format("unknown profile parameter \"{}\"; known: {}", parameter, join(override_names())));
}

double timer_period(const Profile& profile) {
  switch (profile.retry) {
    case RetryRule::postfix_age:
      return profile.queue_run_delay;
    case RetryRule::exim_rules:
    case RetryRule::queue_run:
      return profile.queue_run_interval;
    case RetryRule::fixed:
    case RetryRule::quadratic:
      break;
  }
  return 0;
}

double next_retry(const Profile& profile, RetryState& state, double now) { return next_retry(profile, state, now, 0); }

double next_retry(const Profile& profile, RetryState& state, double now, double phase) {
  double gap = profile.retry_interval;
  double next = now + gap;
  switch (profile.retry) {
    case RetryRule::fixed:
      break;
    case RetryRule::postfix_age: {
      // qmgr: the deferred message becomes eligible after clamp(age), and is
      // picked up by the next scan of the deferred queue.
      gap = std::clamp(now - state.submitted, profile.min_backoff, profile.max_backoff);
      next = tick_at_or_after(now + gap, phase, profile.queue_run_delay);
      break;
    }
    case RetryRule::exim_rules:
      // The message waits for a queue run (model/queue_runner.hpp says when
      // a run reaches it); the host retry records (mta/exim_retry.hpp)
      // decide whether it tries a host or leaves it "retry time not reached". The message keeps no
      // schedule of its own (spec, "Retry configuration": retry processing
      // is per host, not per message).
    case RetryRule::queue_run:
      // The next queue run strictly after now.
      next = tick_after(now, phase, profile.queue_run_interval);
      gap = next - now;
      break;
    case RetryRule::quadratic: {
      // scheduler_ramqueue.c (1.49), scheduler_next(): the step starts at the
      // envelope's retry count (queue.c bumps it on each tempfail) and grows
      // while creation + 400 * step^2 <= now, so an attempt that ran past its
      // step waits for the next step in the future instead of going at once.
      double n = state.failures;
      next = state.submitted + profile.retry_interval * n * n;
      while (next <= now) {
        n += 1;
        next = state.submitted + profile.retry_interval * n * n;
      }
      gap = next - now;
      break;
    }
  }
  state.last_gap = gap;
  return next;
}

bool expired(const Profile& profile, const RetryState& state, double now) {
  const double since = profile.lifetime_from_first_failure && state.first_failure >= 0 ? state.first_failure
                                                                                       : state.submitted;
  return now - since >= profile.max_lifetime;
}

}  // namespace mxsim::mta
