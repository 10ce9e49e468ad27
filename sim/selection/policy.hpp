// MX selection policies: how one sending MTA orders the addresses of an MX set
// for a delivery attempt, optionally learning from its own attempts. Pure C++
// (no SimGrid): the model asks for an order and reports each attempt.
//
// Rules every policy keeps:
//  - it reorders only within a preference level: a backup is never tried
//    before a better host (a host skipped by health-aware goes to the end of
//    its own level, never below the next one);
//  - no allocation per pick once warmed up (state tables grow when a new
//    server or MX level is first seen, scratch buffers when a bigger MX set is);
//  - randomness only from the util::Rng passed in (the MTA's own stream).
//
// One Policy instance per sending MTA: in-flight counts, EWMAs, rotations and
// breakers describe this MTA's own sessions, as a real MTA knows nothing of
// the others'. Servers are identified by dns::Target::address, the global
// server index (AddressId) the model uses.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dns/resolver.hpp"
#include "util/random.hpp"

namespace mxsim::selection {

// How an attempt at one server ended.
enum class Result : std::uint8_t {
  success,   // a session delivered the message
  timeout,   // no answer to SYN, a greeting or command timeout
  refused,   // TCP reset
  tempfail,  // 421 (a tempfail fault, or sessions and backlog full)
  answered,  // the host is alive but refused this message (greylisting 450, a 5xx):
             // no host failure; breakers count it as a success
};

// The circuit breaker of `health-aware`.
struct HealthSettings {
  std::uint32_t failures = 3;  // consecutive failed attempts that open the breaker
  double backoff_s = 60;       // how long a host is then skipped
  double max_backoff_s = 960;  // each failed probe doubles the skip, up to this
};

// What a policy may know when it is made (one per MTA).
struct PolicyContext {
  std::uint32_t servers = 0;  // number of server addresses: AddressId < servers
  // By AddressId, each > 0 (`servers: {h: {weight: 3}}`); null or shorter
  // than an address means weight 1. Shared by the MTAs of a run.
  std::shared_ptr<const std::vector<double>> weights;
  // By AddressId, nonzero for an IPv6 address (exim-random tries a host's
  // IPv6 addresses first); null or shorter than an address means IPv4.
  std::shared_ptr<const std::vector<std::uint8_t>> ipv6;
  std::uint64_t seed = 0;     // per MTA: sendmail-hash's hash seed, drawn "once per process"
  double ewma_decay_s = 10;   // peak-ewma: time constant of the decay (Finagle's default 10 s)
  HealthSettings health;
};

class Policy {
 public:
  virtual ~Policy();

  // Writes into `order` the indices of `targets` in the order to try them:
  // lowest preference first, reordered within each level as the policy says,
  // cut to `limit` entries (0 = no limit). `now` is the simulated time in
  // seconds (breakers and decays need it). `order`'s capacity is reused.
  virtual void order(std::span<const dns::Target> targets, double now, util::Rng& rng, std::uint32_t limit,
                     std::vector<std::uint32_t>& order) = 0;

  // This MTA started an attempt at `server` (before the TCP connect).
  virtual void on_attempt_start(std::uint32_t server, double now);
  // A new process of this MTA starts a delivery with `seed` (Sendmail seeds
  // mxrand once per process: each queue run and each arriving message's
  // delivery has its own). Policies without per-process state ignore it.
  virtual void begin_process(std::uint64_t seed);
  // That attempt ended after `latency_s` seconds (connect to 250, or to the
  // failure). Exactly one end per start.
  virtual void on_attempt_end(std::uint32_t server, double now, Result result, double latency_s);

  // The name it was made with (e.g. "health-aware:least-connections").
  virtual std::string_view name() const = 0;
};

struct PolicyInfo {
  std::string name;
  std::string description;  // one line, for `mxsim policies`
  bool feedback;            // learns from on_attempt_start/end
};

// Every policy this build has, in a fixed order (registry.cpp). Each MTA
// profile names one of them as its default (mta::Profile::selection). `health-aware` also takes an
// inner policy: `health-aware:NAME` for any NAME listed here except itself.
const std::vector<PolicyInfo>& policies();

// The names of policies(), for `--selection all`.
std::vector<std::string> policy_names();

// True if make_policy accepts `name`.
bool is_policy(std::string_view name);

// Throws std::invalid_argument naming the known policies.
std::unique_ptr<Policy> make_policy(std::string_view name, const PolicyContext& context);

}  // namespace mxsim::selection
