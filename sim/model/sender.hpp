// The sending side: sender groups (a profile, a rate, recipient domains,
// round trips to each server) and their MTAs. An MTA is its own queue
// manager: it holds its DNS cache, the deliveries in progress per destination
// (the concurrency window), what it remembers about each server across
// messages (host memory) and how it orders an MX set.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dns/resolver.hpp"
#include "model/observer.hpp"
#include "mta/profile.hpp"
#include "scenario/scenario.hpp"
#include "selection/policy.hpp"
#include "util/random.hpp"

namespace mxsim::model {

struct Group {
  std::string name;
  mta::Profile profile;
  std::string selection;  // the policy of its MTAs: `selection:` if set, else the profile's
  double dns_latency = 0;
  double rate = 0;  // 0 for a relay's group: its mail comes from the servers
  std::uint32_t first_mta = 0;
  std::uint32_t mtas = 0;
  std::vector<double> rtt;  // by server
  std::vector<dns::NameId> domains;
  std::vector<double> cumulative_weight;
  util::Rng arrivals;
  std::optional<scenario::Distribution> size;  // network sessions: bytes per message
  util::Rng sizes;
  int relay_server = -1;  // a relay's group: the server it sends from
};

// Deliveries in progress from one MTA to one destination, and the messages
// waiting for one of them to finish (Postfix's active queue).
struct Destination {
  dns::NameId domain = dns::kNoName;
  std::uint32_t active = 0;
  std::deque<std::uint32_t> waiting{};  // message slots
  double dead_until = 0;  // Postfix: a dead destination's mail is deferred unseen until then

  // Takes a place in the window, or queues `slot` when `limit` (> 0) are active.
  bool enter(std::uint32_t slot, int limit) {
    if (limit > 0 && active >= static_cast<std::uint32_t>(limit)) {
      waiting.push_back(slot);
      return false;
    }
    ++active;
    return true;
  }
  // A delivery ended; the next waiting message, if any, takes its place.
  std::optional<std::uint32_t> leave() {
    --active;
    if (waiting.empty()) return std::nullopt;
    const auto next = waiting.front();
    waiting.pop_front();
    ++active;
    return next;
  }
};

// What one MTA remembers about one server across messages (host memory).
struct HostRecord {
  double skip_until = 0;      // not tried before this time
  double first_failure = -1;  // Exim: the retry record's first failure
  double last_gap = 0;        // Exim: the previous retry gap
  std::uint32_t penalty = 0;  // OpenSMTPD: the route penalty
};

struct Mta {
  util::Rng rng;
  dns::Resolver resolver;
  std::uint32_t group = 0;
  std::uint32_t index = 0;          // within its group
  int self_server = -1;             // a relay: its own server, dropped with worse MX (RFC 5321 §5.1)
  std::vector<Destination> destinations{};  // few: linear search
  std::vector<HostRecord> hosts{}; // by server; sized on the first failure
  // How it orders an MX set: its group's `selection:`, else its profile's policy.
  std::unique_ptr<selection::Policy> policy{};

  Destination& destination(dns::NameId domain) {
    for (auto& d : destinations)
      if (d.domain == domain) return d;
    destinations.push_back(Destination{.domain = domain});
    return destinations.back();
  }
  bool skips(std::uint32_t server, double now) const {
    return server < hosts.size() && hosts[server].skip_until > now;
  }

  // RFC 5321 §5.1: an MTA that finds itself in the MX list drops its own
  // preference level and every worse one.
  void drop_self_and_worse(std::vector<dns::Target>& targets) const;
  // The order to try `targets` in, cut to the profile's address limit.
  void order(const std::vector<dns::Target>& targets, const mta::Profile& profile, double now,
             std::vector<std::uint32_t>& out) {
    policy->order(targets, now, rng, static_cast<std::uint32_t>(profile.address_limit), out);
  }

  // A connection to `server` starts, and ends with `outcome` after starting at `start`.
  void connecting(std::uint32_t server, double now) { policy->on_attempt_start(server, now); }
  void connection_ended(std::uint32_t server, Outcome outcome, double start, double now);
  // Host memory: what this outcome teaches about the server (and, for
  // Postfix, about the destination `domain`).
  void remember(std::uint32_t server, Outcome outcome, const mta::Profile& profile, dns::NameId domain,
                std::size_t servers, double now);
};

// The host itself failed the connection (no 2xx/4xx/5xx reply to the message).
inline bool host_failed(Outcome outcome) {
  return outcome == Outcome::timeout || outcome == Outcome::refused || outcome == Outcome::tempfail ||
         outcome == Outcome::busy_tempfail;
}

}  // namespace mxsim::model
