// The one registry of selection policies: every name a scenario's
// `selection:`, a profile's default policy, --selection and `mxsim policies`
// may use, with its description and its factory. Adding a policy is a class
// in this folder and a row here.
#include <stdexcept>

#include <fmt/format.h>

#include "selection/policy_parts.hpp"

namespace mxsim::selection {

Policy::~Policy() = default;
void Policy::on_attempt_start(std::uint32_t, double) {}
void Policy::begin_process(std::uint64_t) {}
void Policy::on_attempt_end(std::uint32_t, double, Result, double) {}

namespace {

constexpr std::string_view kHealthDefaultInner = "rfc5321-shuffle";

struct Entry {
  PolicyInfo info;
  std::unique_ptr<Policy> (*make)(const PolicyContext&);  // null for health-aware, which wraps another
};

// In the order `mxsim policies` lists them and `--selection all` runs them.
const std::vector<Entry>& entries() {
  static const std::vector<Entry> list{
      {{"rfc5321-shuffle",
        "exchanges of a level in uniformly random order, a host's addresses together in resolver order (RFC 5321 "
        "5.1)",
        false},
       make_rfc5321_shuffle},
      {{"postfix-shuffle", "every address shuffled, then stable-sorted by preference (Postfix smtp_addr.c)", false},
       make_postfix_shuffle},
      {{"ordered", "zone order within a level, no randomization (what a broken MTA does)", false}, make_ordered},
      {{"round-robin", "per MTA, each level's addresses rotated by one at every pick, from a random start", false},
       make_round_robin},
      {{"weighted", "RFC 2782 weighted random order within a level, weights from servers: {h: {weight: W}}", false},
       make_weighted},
      {{"sendmail-hash",
        "exchanges sorted by a hash of their name seeded once per MTA: stable per MTA (Sendmail domain.c mxrand)",
        false},
       make_sendmail_hash},
      {{"exim-random",
        "exchanges sorted by preference*1000 + random(500) drawn per lookup, a host's IPv6 addresses first (Exim "
        "host.c)",
        false},
       make_exim_random},
      {{"opensmtpd-least-loaded",
        "random order within a level (a rotating resolver), then the exchange of the best level with fewest of "
        "this MTA's connections in flight first (OpenSMTPD mta.c)",
        true},
       make_opensmtpd_least_loaded},
      {{"least-connections", "fewest of this MTA's own attempts in flight first, ties in random order", true},
       make_least_connections},
      {{"power-of-two",
        "two distinct random addresses of a level, the one with fewer of this MTA's attempts in flight first",
        true},
       make_power_of_two},
      {{"peak-ewma", "lowest peak-EWMA of this MTA's observed attempt latency x (in flight + 1) first (Finagle)",
        true},
       make_peak_ewma},
      {{std::string(kHealthAware),
        "circuit breaker around another policy (health-aware:NAME; alone: rfc5321-shuffle): a host that failed 3 "
        "times in a row goes to the end of its level for 60 s, doubled per failed probe up to 960 s",
        true},
       nullptr},
  };
  return list;
}

std::string known_names() {
  std::string out;
  for (const auto& e : entries()) out += (out.empty() ? "" : ", ") + e.info.name;
  return out + fmt::format(", {}:NAME", kHealthAware);
}

// A policy other than health-aware; null for any other name.
std::unique_ptr<Policy> make_base(std::string_view name, const PolicyContext& context) {
  for (const auto& e : entries())
    if (e.make && e.info.name == name) return e.make(context);
  return nullptr;
}

}  // namespace

const std::vector<PolicyInfo>& policies() {
  static const std::vector<PolicyInfo> list = [] {
    std::vector<PolicyInfo> out;
    for (const auto& e : entries()) out.push_back(e.info);
    return out;
  }();
  return list;
}

std::vector<std::string> policy_names() {
  std::vector<std::string> out;
  for (const auto& e : entries()) out.push_back(e.info.name);
  return out;
}

bool is_policy(std::string_view name) {
  try {
    return make_policy(name, PolicyContext{}) != nullptr;
  } catch (const std::invalid_argument&) {
    return false;
  }
}

std::unique_ptr<Policy> make_policy(std::string_view name, const PolicyContext& context) {
  if (name.substr(0, kHealthAware.size()) == kHealthAware) {
    std::string_view inner = kHealthDefaultInner;
    if (name.size() > kHealthAware.size()) {
      if (name[kHealthAware.size()] != ':')
        throw std::invalid_argument(fmt::format("unknown selection policy \"{}\"; known: {}", name, known_names()));
      inner = name.substr(kHealthAware.size() + 1);
    }
    auto wrapped = make_base(inner, context);
    if (!wrapped)
      throw std::invalid_argument(fmt::format("health-aware wraps another policy, and \"{}\" is none; known: {}", inner,
                                              known_names()));
    return make_health_aware(std::move(wrapped), context);
  }
  auto policy = make_base(name, context);
  if (!policy) throw std::invalid_argument(fmt::format("unknown selection policy \"{}\"; known: {}", name, known_names()));
  return policy;
}

}  // namespace mxsim::selection
