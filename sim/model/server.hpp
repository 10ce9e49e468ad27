// An MX server as its clients meet it: its host's state and faults, its
// session slots and listen backlog, its greylist, and how it answers a new
// connection.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <unordered_map>
#include <vector>

#include "dns/zone.hpp"
#include "model/observer.hpp"
#include "mta/profile.hpp"
#include "scenario/scenario.hpp"
#include "util/random.hpp"

namespace mxsim::model {

// Who is connecting, as far as the server's answer depends on it.
struct Caller {
  const mta::Profile* profile = nullptr;
  double rtt = 0;            // between the caller's host and this server
  bool route_up = true;      // every link on the way is up (network sessions)
  std::uint64_t message = 0; // the message's id (greylisting per message)
  std::uint32_t mta = 0;     // the MTA, and
  dns::NameId domain = dns::kNoName;  // the recipient domain (greylisting per sender and domain)
};

struct Answer {
  enum class Kind : std::uint8_t {
    fail,     // the client learns `outcome` at `at`
    session,  // a session slot is free: the session starts now
    backlog,  // the kernel completed the handshake; the greeting waits for a slot until `at`
  };
  Kind kind = Kind::fail;
  Outcome outcome = Outcome::timeout;
  double at = 0;
  bool used_session = false;  // refused past EHLO (greylisting, 5xx): counts against session_limit
};

// One postgrey triplet's record: when it was first and last seen.
struct GreylistEntry {
  double first = 0;
  double last = 0;
};

struct BacklogEntry {
  std::uint32_t slot;
  std::uint32_t token;
  double deadline;
};

// Its host name and address are in the topology (scenario::BoundServer).
struct Server {
  scenario::ServerSpec spec;
  util::Rng rng;
  bool up = true;
  int downing = 0;
  int refusing = 0;
  int tempfailing = 0;
  int slowing = 0;
  double slow_factor = 1;
  int in_use = 0;
  std::vector<std::uint32_t> active;  // message slots in a session here
  std::deque<BacklogEntry> backlog;   // may hold stale entries; backlog_live counts the valid ones
  int backlog_live = 0;
  int relay_mta = -1;   // role relay: the MTA that forwards its mail
  std::unordered_map<std::uint64_t, GreylistEntry> greylist;

  // A new connection at `now`: the README's table of server states, one
  // line per state, in the order a client meets them.
  Answer answer(const Caller& caller, double now);
  // A message's transaction on a session past EHLO, a new one or one kept
  // from the last message: greylisting or a reject answer its RCPT `rcpt`
  // seconds from now; otherwise the session carries it (kind `session`).
  Answer transaction(const Caller& caller, double rcpt, double now);

  // A session's processing, already scaled by any `slow` fault: seconds of
  // service or, for a server with `work`, flops.
  double draw_processing();

  // Takes a session slot for the message in `slot`; returns its position in `active`.
  std::uint32_t open_session(std::uint32_t slot) {
    ++in_use;
    active.push_back(slot);
    return static_cast<std::uint32_t>(active.size() - 1);
  }
  // Frees the session at `pos`; returns the slot that moved into `pos`.
  std::uint32_t close_session(std::uint32_t pos) {
    const auto last = active.back();
    active[pos] = last;
    active.pop_back();
    --in_use;
    return last;
  }
  bool session_free() const { return in_use < spec.sessions; }

  void wait_in_backlog(std::uint32_t slot, std::uint32_t token, double deadline) {
    backlog.push_back({slot, token, deadline});
    ++backlog_live;
  }

  // A `refuse`, `tempfail` or `slow` fault begins (+1) or ends (-1).
  void apply_fault(scenario::Fault fault, int delta, double factor);

 private:
  bool greylisted(const Caller& caller, double now);
};

double draw(const scenario::Distribution& d, util::Rng& rng);

// True when the `reject` 5xx of this server returns the message to its
// sender: a 5xx to MAIL, RCPT or DATA is permanent for every MTA (RFC 5321
// §4.2.1: 5yz, permanent negative completion); a 5xx greeting depends on
// the profile (mta/profile.cpp, on_5xx_greeting).
inline bool rejection_bounces(const scenario::ServerSpec& spec, const mta::Profile& profile) {
  return spec.reject_at == scenario::ServerSpec::RejectAt::rcpt || profile.on_5xx_greeting == mta::On5xx::bounce;
}

}  // namespace mxsim::model
