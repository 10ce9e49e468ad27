// Connections that outlive the message they were opened for: Postfix's
// connection cache (a session idles up to smtp_connection_cache_time_limit
// for the next message of its destination) and OpenSMTPD's sessions, which
// carry the tasks of their relay one after another, idle for
// sessdelay_keepalive when there is none, and are opened only within the
// connection limits of mta/connection_limits.hpp. An idle connection is held
// by a slot of the message slab of its own (Message::idle_holder), so that
// the server's session list and the crash handling stay as they are.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <utility>
#include <vector>

#include "dns/zone.hpp"
#include "mta/connection_limits.hpp"

namespace mxsim::model {

// One MTA's mail for one recipient domain: OpenSMTPD's relay (mta.c struct
// mta_relay), Postfix's destination.
using RelayKey = std::pair<std::uint32_t, dns::NameId>;  // mta, domain

struct Relay {
  std::vector<std::uint32_t> idle{};                        // holder slots, in the order they went idle
  std::deque<std::pair<std::uint32_t, std::uint32_t>> tasks{};  // (slot, token) waiting for a connection
  double wake_at = -1;                                      // the pending relay_wake, if any
  bool empty() const { return idle.empty() && tasks.empty() && wake_at < 0; }
};

struct ConnectionCache {
  std::map<RelayKey, Relay> relays;  // only relays with idle connections, tasks or a wake pending
  std::vector<mta::ConnectionLimits> limits;  // by sender group (each has its profile)
  std::uint64_t holders = 0;                  // slab slots holding an idle connection
};

}  // namespace mxsim::model
