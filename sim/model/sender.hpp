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
#include "mta/concurrency.hpp"
#include "mta/exim_retry.hpp"
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
// waiting for one of them to finish (Postfix's active queue): the
// concurrency window (mta/concurrency.hpp) says how many may run at once.
struct Destination {
  dns::NameId domain = dns::kNoName;
  std::uint32_t active = 0;
  std::deque<std::uint32_t> waiting{};  // message slots
  mta::ConcurrencyWindow window{};
  double dead_until = 0;  // Postfix: when a dead destination's timer revives it
  // Postfix's on-demand connection caching (qmgr_entry.c): on once deliveries
  // follow each other, off when they stop overlapping.
  double last_done = -1e300;  // when a delivery last ended
  bool caching = false;

  // Takes a place in the window, or queues `slot`.
  bool enter(std::uint32_t slot) {
    if (!window.admits(active)) {
      waiting.push_back(slot);
      return false;
    }
    ++active;
    return true;
  }
  // A delivery ended at `now`.
  void leave(double now) {
    --active;
    last_done = now;
  }
  // The next waiting message, if the window has a place for it.
  std::optional<std::uint32_t> next() {
    if (waiting.empty() || !window.admits(active)) return std::nullopt;
    const auto slot = waiting.front();
    waiting.pop_front();
    ++active;
    return slot;
  }
  // A delivery was just given a place at `now`: may its session be kept for
  // the next one? qmgr_entry_select: caching starts with a back-to-back
  // delivery (the last one ended within a second) and stops when deliveries
  // neither overlap nor follow each other.
  bool select_caching(double now) {
    const bool back_to_back = last_done + 1 >= now;
    if (!caching)
      caching = back_to_back;
    else if (active <= 1 && !back_to_back)
      caching = false;
    return caching;
  }
};

// What one MTA remembers about one server across messages (host memory).
struct HostRecord {
  double skip_until = 0;      // not tried before this time
  std::uint64_t process = 0;  // Sendmail: the process that knows it (see Mta::process)
  std::uint32_t penalty = 0;  // OpenSMTPD: the route penalty
  std::optional<mta::HostRetryRecord> exim{};  // Exim: the host's retry record (mta/exim_retry.hpp)
  // Exim: a host with a retry record is tried by one delivery at a time (a
  // queue runner takes messages one after another, so the next one sees the
  // record the last one wrote); the others wait for that try to end.
  static constexpr std::uint32_t kNoProbe = ~std::uint32_t{0};
  std::uint32_t probe = kNoProbe;  // the message slot trying it now
  std::vector<std::pair<std::uint32_t, std::uint32_t>> waiting{};  // (slot, token) of the others
};

// Sendmail keeps host status in the memory of one process (stock: no
// HostStatusDirectory, sendmail/mci.c): the delivery process of one arriving
// message, or one queue run. Process ids: queue runs count from 1 on the
// MTA's own grid; an arriving message's process is kArrivalProcess | its id.
inline constexpr std::uint64_t kArrivalProcess = std::uint64_t{1} << 63;

struct Mta {
  util::Rng rng;
  std::uint32_t resolver = 0;       // its caching resolver (World's list; several MTAs may share one)
  std::uint32_t group = 0;
  std::uint32_t index = 0;          // within its group
  // Where its periodic timers fall: Postfix's deferred-queue scans, the
  // queue runs of Exim and Sendmail happen at phase + k * period, counted
  // from this MTA's own start (mta/phase.hpp).
  double phase = 0;
  std::uint64_t seed = 0;           // per MTA: Sendmail derives each process's mxrand seed from it
  int self_server = -1;             // a relay: its own server, dropped with worse MX (RFC 5321 §5.1)
  std::vector<Destination> destinations{};  // few: linear search
  std::vector<HostRecord> hosts{}; // by server; sized on the first failure
  // How it orders an MX set: its group's `selection:`, else its profile's policy.
  std::unique_ptr<selection::Policy> policy{};

  // Its destination `domain`, made with `profile`'s window the first time.
  Destination& destination(dns::NameId domain, const mta::Profile& profile) {
    for (auto& d : destinations)
      if (d.domain == domain) return d;
    destinations.push_back(Destination{.domain = domain, .window = mta::ConcurrencyWindow(profile)});
    return destinations.back();
  }
  // Host memory that keeps this MTA off `server` now (Sendmail: only in the
  // process that learnt it, unless `shared` by a host status directory).
  bool skips(std::uint32_t server, double now, std::uint64_t process, bool shared) const {
    if (server >= hosts.size() || hosts[server].skip_until <= now) return false;
    return shared || hosts[server].process == process;
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
  // Host memory: what this outcome teaches about the server (Postfix's
  // memory is its destinations' windows). Returns true when an Exim host's
  // retry item timed out with this failure.
  bool remember(std::uint32_t server, Outcome outcome, const mta::Profile& profile, std::size_t servers,
                std::uint64_t process, double received, double now);
};

// The host itself failed the connection (no 2xx/4xx/5xx reply to the message).
inline bool host_failed(Outcome outcome) {
  return outcome == Outcome::timeout || outcome == Outcome::refused || outcome == Outcome::tempfail ||
         outcome == Outcome::busy_tempfail;
}

}  // namespace mxsim::model
