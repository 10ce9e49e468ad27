// Profile defaults, each with its source. Where the reference marks a value
// "unconfirmed", the chosen value says so.
#include "mta/profile.hpp"

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
  p.name = "rfc5321";
  p.ordering = Ordering::shuffle_hosts;  // §5.1: MUST randomize among equal preferences
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
  return p;
}

// Postfix 3.x defaults (src/global/mail_params.h, src/smtp/smtp_addr.c,
// src/smtp/smtp_connect.c, src/qmgr/qmgr_active.c).
Profile postfix_profile() {
  Profile p;
  p.name = "postfix";
  p.ordering = Ordering::shuffle_addresses;  // smtp_addr.c: dns_rr_shuffle then dns_rr_sort
  p.connect_timeout = 30;                    // smtp_connect_timeout = 30s
  p.command_timeout = 300;                   // smtp_helo_timeout = 300s
  p.address_limit = 5;                       // smtp_mx_address_limit = 5
  // PIPELINING (RFC 2920) is used when offered: SYN/SYN-ACK, 220, EHLO,
  // MAIL+RCPT+DATA in one round trip, end of data: 5 round trips.
  p.round_trips = 5;
  // default_destination_concurrency_limit = 20: at most 20 parallel
  // deliveries to one destination; the rest wait in the active queue. (The
  // slow start from initial_destination_concurrency = 5 is not modelled.)
  p.destination_concurrency = 20;
  p.retry = RetryRule::postfix_age;
  p.min_backoff = 300;                       // minimal_backoff_time = 300s
  p.max_backoff = 4000;                      // maximal_backoff_time = 4000s
  p.queue_run_delay = 300;                   // queue_run_delay = 300s
  p.max_lifetime = 5 * kDay;                 // maximal_queue_lifetime = 5d
  return p;
}

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
};

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

}  // namespace

const std::vector<std::string>& profile_names() {
  static const std::vector<std::string> names{"postfix", "rfc5321"};
  return names;
}

const std::vector<std::string>& selection_names() {
  static const std::vector<std::string> names{"rfc5321-shuffle", "postfix-shuffle", "ordered"};
  return names;
}

const std::vector<std::string>& override_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& p : kDurationParameters) out.emplace_back(p.name);
    out.emplace_back("address_limit");
    out.emplace_back("round_trips");
    out.emplace_back("destination_concurrency");
    return out;
  }();
  return names;
}

Profile profile_by_name(std::string_view name) {
  if (name == "rfc5321") return rfc5321_profile();
  if (name == "postfix") return postfix_profile();
  throw std::invalid_argument(
      fmt::format("profile \"{}\" is not available in this build; available: {}", name, join(profile_names())));
}

Ordering selection_by_name(std::string_view name) {
  if (name == "rfc5321-shuffle") return Ordering::shuffle_hosts;
  if (name == "postfix-shuffle") return Ordering::shuffle_addresses;
  if (name == "ordered") return Ordering::ordered;
  throw std::invalid_argument(
      fmt::format("selection \"{}\" is not available in this build; available: {}", name, join(selection_names())));
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
  int Profile::*count = parameter == "address_limit"             ? &Profile::address_limit
                         : parameter == "round_trips"             ? &Profile::round_trips
                         : parameter == "destination_concurrency" ? &Profile::destination_concurrency
                                                                  : nullptr;
  if (count) {
    if (value < 0 || value != std::floor(value) || value > 100000)
      throw std::invalid_argument(fmt::format("{} must be a whole number from 0 to 100000", parameter));
    profile.*count = static_cast<int>(value);
    return;
  }
  throw std::invalid_argument(
      fmt::format("unknown profile parameter \"{}\"; known: {}", parameter, join(override_names())));
}

double next_retry(const Profile& profile, double submitted, double now) {
  switch (profile.retry) {
    case RetryRule::fixed:
      return now + profile.retry_interval;
    case RetryRule::postfix_age: {
      // qmgr: the deferred message becomes eligible after clamp(age), and is
      // picked up by the next scan of the deferred queue.
      const double age = now - submitted;
      const double eligible = now + std::clamp(age, profile.min_backoff, profile.max_backoff);
      if (profile.queue_run_delay <= 0) return eligible;
      return std::ceil(eligible / profile.queue_run_delay) * profile.queue_run_delay;
    }
  }
  return now + profile.retry_interval;
}

}  // namespace mxsim::mta
