// OpenSMTPD's connection limits: the checks of mta_connect and mta_find_route
// (smtpd/mta.c) in the order they run there.
#include "mta/connection_limits.hpp"

#include <algorithm>

namespace mxsim::mta {

ConnectionLimits::Check ConnectionLimits::check(const Profile& p, std::uint32_t mta, std::uint32_t relay,
                                                std::uint32_t server, std::size_t tasks, double now) const {
  Check out;
  double until = 0;
  // mta_connect: per relay (and per domain: one relay per domain here).
  if (const auto it = relays_.find({mta, relay}); it != relays_.end()) {
    const auto& r = it->second;
    // "Do not create more connections than necessary": the sessions already
    // open will take the waiting tasks.
    if (r.connections > 2 && r.connections >= tasks / 2) return {.verdict = Verdict::enough};
    if (p.max_conn_per_domain > 0 && r.connections >= static_cast<std::uint32_t>(p.max_conn_per_domain))
      return {.verdict = Verdict::wait_count, .until = now + kCheckLimit};
    if (r.last_connect + p.relay_connect_delay > now) until = r.last_connect + p.relay_connect_delay;
  }
  if (until > 0) return {.verdict = Verdict::wait_until, .until = until};
  // mta_find_route: per MX address, then each route to it.
  if (const auto it = hosts_.find({mta, server});
      it != hosts_.end() && p.max_conn_per_host > 0 &&
      it->second.connections >= static_cast<std::uint32_t>(p.max_conn_per_host))
    return {.verdict = Verdict::wait_count, .until = now + kCheckLimit};
  bool limited = false;
  bool found = false;
  std::uint32_t best_connections = 0;
  for (std::uint32_t source = 0; source < static_cast<std::uint32_t>(std::max(1, p.source_addresses)); ++source) {
    const auto it = routes_.find({mta, source, server});
    if (it == routes_.end()) {  // an unused route: no connection, no delay
      if (!found || best_connections > 0) out.source = source;
      found = true;
      best_connections = 0;
      continue;
    }
    const auto& r = it->second;
    // "not validated yet": one connection on a new route.
    if (r.connections > 0 && !r.validated) {
      limited = true;
      continue;
    }
    if (r.connections >= static_cast<std::uint32_t>(p.max_conn_per_route)) {
      limited = true;
      continue;
    }
    const double ready = std::max(r.last_connect + p.route_connect_delay, r.last_disconnect + p.route_disconnect_delay);
    if (ready > now) {
      if (until == 0 || ready < until) until = ready;
      continue;
    }
    // "Use the route with the lowest number of connections."
    if (found && r.connections >= best_connections) continue;
    found = true;
    best_connections = r.connections;
    out.source = source;
  }
  if (found) return out;
  // mta_find_route: a route limit wins over a delay.
  if (limited || until == 0) return {.verdict = Verdict::wait_count, .until = now + kCheckLimit};
  return {.verdict = Verdict::wait_until, .until = until};
}

void ConnectionLimits::opened(std::uint32_t mta, std::uint32_t relay, std::uint32_t source, std::uint32_t server,
                              double now) {
  auto& r = routes_[{mta, source, server}];
  ++r.connections;
  r.last_connect = now;
  auto& h = hosts_[{mta, server}];
  ++h.connections;
  h.last_connect = now;
  auto& l = relays_[{mta, relay}];
  ++l.connections;
  l.last_connect = now;
}

void ConnectionLimits::closed(const Profile& p, std::uint32_t mta, std::uint32_t relay, std::uint32_t source,
                              std::uint32_t server, double now) {
  if (const auto it = routes_.find({mta, source, server}); it != routes_.end() && it->second.connections > 0) {
    --it->second.connections;
    it->second.last_disconnect = now;
  }
  if (const auto it = hosts_.find({mta, server}); it != hosts_.end() && it->second.connections > 0)
    --it->second.connections;
  if (const auto it = relays_.find({mta, relay}); it != relays_.end() && it->second.connections > 0)
    --it->second.connections;
  if (tracked() >= prune_at_) prune(p, now);
}

void ConnectionLimits::validated(std::uint32_t mta, std::uint32_t source, std::uint32_t server) {
  if (const auto it = routes_.find({mta, source, server}); it != routes_.end()) it->second.validated = true;
}

std::uint32_t ConnectionLimits::route_connections(std::uint32_t mta, std::uint32_t source,
                                                  std::uint32_t server) const {
  const auto it = routes_.find({mta, source, server});
  return it == routes_.end() ? 0 : it->second.connections;
}

std::uint32_t ConnectionLimits::host_connections(std::uint32_t mta, std::uint32_t server) const {
  const auto it = hosts_.find({mta, server});
  return it == hosts_.end() ? 0 : it->second.connections;
}

void ConnectionLimits::prune(const Profile& p, double now) {
  std::erase_if(routes_, [&](const auto& entry) {
    const auto& r = entry.second;
    return r.connections == 0 && r.last_connect + p.route_connect_delay <= now &&
           r.last_disconnect + p.route_disconnect_delay <= now;
  });
  std::erase_if(hosts_, [](const auto& entry) { return entry.second.connections == 0; });
  std::erase_if(relays_, [&](const auto& entry) {
    return entry.second.connections == 0 && entry.second.last_connect + p.relay_connect_delay <= now;
  });
  // Amortized: the next sweep when the maps have doubled.
  prune_at_ = std::max<std::size_t>(64, 2 * tracked());
}

}  // namespace mxsim::mta
