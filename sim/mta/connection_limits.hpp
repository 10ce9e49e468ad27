// OpenSMTPD's connection limits (smtpd/limit.c defaults, smtpd/mta.c
// mta_connect and mta_find_route): how many connections one MTA may hold per
// route (source address, MX address), per MX address and per relay, how long
// it waits between connects and after a disconnect, and that a new route
// carries one connection until it is validated. Plain bookkeeping: the model
// asks before each connect and reports each open, close and validation.
#pragma once

#include <cstdint>
#include <map>
#include <tuple>

#include "mta/profile.hpp"

namespace mxsim::mta {

// True when the profile limits its connections this way.
inline bool limits_connections(const Profile& p) { return p.max_conn_per_route > 0; }

class ConnectionLimits {
 public:
  enum class Verdict : std::uint8_t {
    open,        // connect now, from `source`
    enough,      // the open connections will take the waiting tasks: none more
    wait_count,  // a count limit: ask again when a connection closes, a route is validated, or at `until`
    wait_until,  // a delay: ask again at `until`
  };
  // mta.c DELAY_CHECK_LIMIT: a connector that hit a limit looks again this much later.
  static constexpr double kCheckLimit = 5;
  struct Check {
    Verdict verdict = Verdict::open;
    std::uint32_t source = 0;
    double until = 0;
  };

  // May MTA `mta` open a connection for relay `relay` (its recipient domain)
  // to MX address `server` now, with `tasks` messages waiting for one (this
  // one included)? The source is the least loaded usable one (mta_find_route
  // keeps the route with the fewest connections).
  Check check(const Profile& p, std::uint32_t mta, std::uint32_t relay, std::uint32_t server,
              std::size_t tasks, double now) const;
  void opened(std::uint32_t mta, std::uint32_t relay, std::uint32_t source, std::uint32_t server, double now);
  // mta_route_collect: the counts drop and the route's disconnect time is set.
  void closed(const Profile& p, std::uint32_t mta, std::uint32_t relay, std::uint32_t source, std::uint32_t server,
              double now);
  // mta_route_ok: the route carried a session; it may now hold more than one.
  void validated(std::uint32_t mta, std::uint32_t source, std::uint32_t server);

  std::uint32_t route_connections(std::uint32_t mta, std::uint32_t source, std::uint32_t server) const;
  std::uint32_t host_connections(std::uint32_t mta, std::uint32_t server) const;
  // Entries kept: routes, hosts and relays in use or within their delays.
  std::size_t tracked() const { return routes_.size() + hosts_.size() + relays_.size(); }

 private:
  static constexpr double kLongAgo = -1e300;
  struct Route {
    std::uint32_t connections = 0;
    double last_connect = kLongAgo;
    double last_disconnect = kLongAgo;
    bool validated = false;  // ROUTE_NEW cleared
  };
  struct Count {
    std::uint32_t connections = 0;
    double last_connect = kLongAgo;
  };
  using RouteKey = std::tuple<std::uint32_t, std::uint32_t, std::uint32_t>;  // mta, source, server
  using PairKey = std::pair<std::uint32_t, std::uint32_t>;
  // OpenSMTPD frees an unused route once its delays have passed (mta.c keeps
  // it for max_seen_conndelay_route / discdelay_route); a route used again
  // after that is new again. So entries live while in use or within a delay.
  void prune(const Profile& p, double now);

  std::map<RouteKey, Route> routes_;
  std::map<PairKey, Count> hosts_;   // mta, server
  std::map<PairKey, Count> relays_;  // mta, relay
  std::size_t prune_at_ = 64;
};

}  // namespace mxsim::mta
