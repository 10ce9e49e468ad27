// Sending-MTA profiles: the named parameters that make one MTA behave unlike
// another (timeouts, address limits, retry schedule, give-up time). Values
// and their sources are in profile.cpp; ../shared/reference/mta-behaviour.md
// collects the facts.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mxsim::mta {

// How addresses are ordered within one preference level.
enum class Ordering {
  shuffle_hosts,      // RFC 5321 §5.1: exchanges of equal preference in random order,
                      // the addresses of one exchange in resolver order
  shuffle_addresses,  // Postfix: shuffle every address, then stable-sort by preference
  ordered,            // no randomization: zone order (what a broken MTA does)
};

enum class RetryRule {
  fixed,          // next attempt a fixed interval after a failure
  postfix_age,    // now + clamp(age, min_backoff, max_backoff), rounded up to a queue scan
};

struct Profile {
  std::string name;
  Ordering ordering = Ordering::shuffle_hosts;
  double connect_timeout = 0;    // s: no answer to SYN
  double command_timeout = 0;    // s: waiting for a greeting or a reply
  int address_limit = 0;         // addresses tried per delivery attempt; 0 = all
  int round_trips = 0;           // SMTP dialogue from SYN to the 250 after DATA
  int destination_concurrency = 0;  // parallel deliveries per destination; 0 = no limit
  RetryRule retry = RetryRule::fixed;
  double retry_interval = 0;     // fixed: s between attempts
  double min_backoff = 0;        // postfix_age
  double max_backoff = 0;        // postfix_age
  double queue_run_delay = 0;    // postfix_age: deferred queue scanned this often
  double max_lifetime = 0;       // s: a message older than this bounces at its next failure
};

// The profiles this build knows, and the selection policies a sender group
// may name in `selection:` to override a profile's ordering.
const std::vector<std::string>& profile_names();
const std::vector<std::string>& selection_names();

// Throws std::invalid_argument with the list of known names.
Profile profile_by_name(std::string_view name);
Ordering selection_by_name(std::string_view name);

// `overrides:` in a sender group; throws std::invalid_argument naming the
// parameter for an unknown name or a value out of range.
void apply_override(Profile& profile, std::string_view parameter, double value);
const std::vector<std::string>& override_names();

// When the next delivery attempt happens after a failed one at `now`, for a
// message submitted at `submitted`. Absolute simulated time.
double next_retry(const Profile& profile, double submitted, double now);

}  // namespace mxsim::mta
