// Idle connections and OpenSMTPD's connection limits: where a connection
// goes when its message is done (the relay's next task, the idle list, or
// closed), how a message finds an idle one, and how the messages that got
// no connection wait in their relay until one opens or comes free.
#include <algorithm>

#include "model/world_impl.hpp"

namespace mxsim::model {

mta::ConnectionLimits& World::Impl::limits_of(std::uint32_t group) {
  if (cache.limits.size() < groups.size()) cache.limits.resize(groups.size());
  return cache.limits[group];
}

// The connection `from` holds goes to `to` (delivery.cpp hand_over), with
// what OpenSMTPD's limits need to count it when it closes.
void World::Impl::pass_connection(std::uint32_t from, std::uint32_t to) {
  hand_over(from, to);
  auto& a = slab[from];
  auto& b = slab[to];
  b.limited = a.limited;
  b.source = a.source;
  b.session.server = a.session.server;
  a.limited = false;
}

// OpenSMTPD (mta.c mta_connect, mta_find_route): a connection opens only
// within the limits; otherwise the message waits in its relay's task list
// until a connection closes, a route is validated or a delay ends
// (mta_route_collect and mta_route_ok call mta_connect again), or until a
// session finishing a message takes it (mta_route_next_task).
void World::Impl::limited_connect(std::uint32_t slot, std::uint32_t s, double now) {
  auto& m = slab[slot];
  const auto& profile = groups[m.group].profile;
  const RelayKey key{m.mta, m.domain};
  auto& limits = limits_of(m.group);
  const auto it = cache.relays.find(key);
  const std::size_t tasks = 1 + (it == cache.relays.end() ? 0 : it->second.tasks.size());
  const auto check = limits.check(profile, m.mta, m.domain, s, tasks, now);
  if (check.verdict == mta::ConnectionLimits::Verdict::open) {
    limits.opened(m.mta, m.domain, check.source, s, now);
    m.limited = true;
    m.source = check.source;
    connect(slot, s, now);
    // mta_connect loops ("goto again") while tasks wait and limits allow.
    return drain_relay(key, now);
  }
  --m.cursor;  // the same address is asked for again when the message wakes
  ++m.token;   // nothing else is scheduled for it while it waits
  auto& relay = cache.relays[key];
  relay.tasks.emplace_back(slot, m.token);
  // A delay or a limit: mta_connect looks again at the delay's end, or
  // DELAY_CHECK_LIMIT later; with enough connections it does not.
  if (check.verdict != mta::ConnectionLimits::Verdict::enough && (relay.wake_at < 0 || check.until < relay.wake_at)) {
    relay.wake_at = check.until;
    queue.push_message(check.until, EventKind::relay_wake, key.first, 0, key.second);
  }
}

// The first waiting task of the relay tries for a connection again; if it
// gets one, limited_connect drains on, one task at a time.
void World::Impl::drain_relay(RelayKey key, double now) {
  const auto it = cache.relays.find(key);
  if (it == cache.relays.end()) return;
  auto& tasks = it->second.tasks;
  while (!tasks.empty()) {
    const auto [slot, token] = tasks.front();
    tasks.pop_front();
    if (!slab.current(slot, token)) continue;
    queue.push_message(now, EventKind::attempt_ready, slot, token);
    break;
  }
  if (it->second.empty()) cache.relays.erase(it);
}

void World::Impl::relay_wake(RelayKey key, double now) {
  const auto it = cache.relays.find(key);
  if (it == cache.relays.end() || it->second.wake_at != now) return;  // superseded
  it->second.wake_at = -1;
  drain_relay(key, now);
}

// mta_route_collect: the counts drop, the route's disconnect time is set and
// the relay's waiting tasks may get a connection.
void World::Impl::connection_gone(std::uint32_t slot, std::uint32_t s, double now) {
  auto& m = slab[slot];
  m.limited = false;
  limits_of(m.group).closed(groups[m.group].profile, m.mta, m.domain, m.source, s, now);
  drain_relay({m.mta, m.domain}, now);
}

// A message's session ended with its 250 and its MTA did not keep it for mail
// already waiting (keeps_connection). True when the connection stays open.
bool World::Impl::cache_connection(std::uint32_t slot, std::uint32_t s, double now) {
  auto& m = slab[slot];
  const auto& profile = groups[m.group].profile;
  if (!m.connection_open) return false;
  if (m.limited) {
    // mta_route_ok: the route delivered; it may carry more connections now.
    limits_of(m.group).validated(m.mta, m.source, s);
    // max-mail-per-session: then QUIT, and mta_route_collect.
    if (profile.max_mail_per_session > 0 &&
        m.connection_messages >= static_cast<std::uint32_t>(profile.max_mail_per_session))
      return false;
    const RelayKey key{m.mta, m.domain};
    if (const auto it = cache.relays.find(key); it != cache.relays.end()) {
      auto& tasks = it->second.tasks;
      while (!tasks.empty()) {
        const auto [next, token] = tasks.front();
        tasks.pop_front();
        if (!slab.current(next, token)) continue;
        // mta_route_next_task: the session takes the relay's first task.
        pass_connection(slot, next);
        auto& n = slab[next];
        ++n.token;
        queue.push_message(now, EventKind::attempt_ready, next, n.token);
        drain_relay(key, now);  // validation may let more connections open
        return true;
      }
      if (it->second.empty()) cache.relays.erase(it);
    }
    // No task: the session idles sessdelay_keepalive for one before QUIT.
    if (profile.session_keepalive <= 0) return false;
    park_connection(slot, s, now + profile.session_keepalive);
    return true;
  }
  // Postfix: a session the queue manager asked to store goes to the
  // connection cache while it may still be reused (smtp_session.c: reuse
  // count and smtp_connection_reuse_time_limit from its connect).
  if (!profile.connection_reuse || profile.connection_cache_time <= 0 || !m.store_connection || !m.holds_delivery)
    return false;
  if (profile.connection_max_messages > 0 &&
      m.connection_messages >= static_cast<std::uint32_t>(profile.connection_max_messages))
    return false;
  if (now - m.connection_opened >= profile.connection_reuse_time) return false;
  park_connection(slot, s, now + profile.connection_cache_time);
  return true;
}

// The connection of `slot` idles in a holder slot of its own until `until`.
void World::Impl::park_connection(std::uint32_t slot, std::uint32_t s, double until) {
  const auto holder = slab.allocate();  // may move the slab: no reference across it
  auto& h = slab[holder];
  const auto& m = slab[slot];
  h.group = m.group;
  h.origin_group = m.origin_group;
  h.mta = m.mta;
  h.domain = m.domain;
  h.id = m.id;
  h.holds_delivery = false;
  h.waiting_retry = false;
  h.kept_server = kNoServer;
  h.idle_holder = true;
  pass_connection(slot, holder);
  ++slab[holder].token;
  queue.push_message(until, EventKind::idle_end, holder, slab[holder].token, s);
  cache.relays[{slab[holder].mta, slab[holder].domain}].idle.push_back(holder);
  ++cache.holders;
}

// A message starting its connections takes an idle one to its destination.
// Postfix looks in the cache by next-hop domain (smtp_reuse_nexthop) when the
// queue manager allows lookups (DEL_REQ_FLAG_CONN_LOAD): qmgr_entry.c sets
// it with on-demand caching and, once set, keeps it while the destination's
// queue lives ("fetch any existing entries from the cache, but don't add new
// ones"); the queue lives while other deliveries to it are in progress.
bool World::Impl::take_idle_connection(std::uint32_t slot, double now) {
  auto& m = slab[slot];
  const auto& profile = groups[m.group].profile;
  const auto it = cache.relays.find({m.mta, m.domain});
  if (it == cache.relays.end() || it->second.idle.empty()) return false;
  if (!mta::limits_connections(profile) && !m.store_connection &&
      mtas[m.mta].destination(m.domain, profile).active <= 1)
    return false;
  const auto holder = it->second.idle.back();  // the most recent: the longest left to live
  it->second.idle.pop_back();
  if (it->second.empty()) cache.relays.erase(it);
  pass_connection(holder, slot);
  free_holder(holder);
  reuse_session(slot, slab[slot].kept_server, now);
  return true;
}

void World::Impl::free_holder(std::uint32_t holder) {
  auto& h = slab[holder];
  if (const auto it = cache.relays.find({h.mta, h.domain}); it != cache.relays.end()) {
    std::erase(it->second.idle, holder);
    if (it->second.empty()) cache.relays.erase(it);
  }
  ++h.token;
  h.idle_holder = false;
  h.limited = false;
  h.kept_server = kNoServer;
  slab.release(holder);
  --cache.holders;
}

}  // namespace mxsim::model
