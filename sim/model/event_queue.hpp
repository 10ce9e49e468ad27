// The model's clock: events in time order. At one instant, state changes
// come first (a host going down or coming back, a fault starting or ending,
// a zone update), in the order of the server or fault they concern; then
// everything else in the order it was pushed in. So an attempt made at the
// instant a host returns sees it up, whichever was scheduled first. Message events carry the message's token so that an event
// made stale (a session cut by a crash, a backlog wait that got a session)
// is skipped instead of searched for and removed.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "model/observer.hpp"

namespace mxsim::model {

enum class EventKind : std::uint8_t {
  arrival,          // group: a new message from that sender group
  attempt,          // slot, token: a delivery attempt (first or retry)
  connect_failed,   // slot, token, server, outcome: the client learns the connection failed
  session_done,     // slot, token, server: the 250 after the data
  backlog_timeout,  // slot, token, server: no greeting before the deadline
  fault_start,      // fault: the scenario event's index
  fault_end,        // fault
  server_state,     // server, up: the engine saw the host go down or come back
  attempt_ready,    // slot, token: the DNS answers arrived (dns_latency)
  session_data,     // slot, token, server: a network session reaches DATA
  activity_end,     // slot, token, server, ok: a network session's transfer or work ended
  idle_end,         // slot, token, server: an idle connection's time is up (model/connection_cache.hpp)
  relay_wake,       // slot = mta, server = domain: a relay's connect delay has passed
  queue_run,        // mta: its queue-run timer went off (model/queue_runner.hpp)
  runner_step,      // runner: a queue-run process takes its next message
  retry,            // slot: a waiting message's retry (slot in the waiting slab, message.hpp)
};

struct Event {
  double time;
  std::uint64_t seq;  // at one time: state changes by what they concern, then the rest in push order
  union {
    std::uint32_t slot;   // message events: the message's slot in the slab
    std::uint32_t group;  // arrival
    std::uint32_t fault;  // fault_start, fault_end
    std::uint32_t mta;    // queue_run
    std::uint32_t runner; // runner_step
  };
  std::uint32_t token;   // message events: the message's token when pushed
  std::uint32_t server;  // connection and session events, server_state
  EventKind kind;
  union {
    Outcome outcome;  // connect_failed
    bool up;          // server_state
    bool ok;          // activity_end
  };
};

class EventQueue {
 public:
  void push_message(double time, EventKind kind, std::uint32_t slot, std::uint32_t token, std::uint32_t server = 0) {
    Event e = make(time, kind);
    e.slot = slot;
    e.token = token;
    e.server = server;
    push(e);
  }
  void push_failure(double time, std::uint32_t slot, std::uint32_t token, std::uint32_t server, Outcome outcome) {
    Event e = make(time, EventKind::connect_failed);
    e.slot = slot;
    e.token = token;
    e.server = server;
    e.outcome = outcome;
    push(e);
  }
  void push_activity_end(double time, std::uint32_t slot, std::uint32_t token, std::uint32_t server, bool ok) {
    Event e = make(time, EventKind::activity_end);
    e.slot = slot;
    e.token = token;
    e.server = server;
    e.ok = ok;
    push(e);
  }
  void push_arrival(double time, std::uint32_t group) {
    Event e = make(time, EventKind::arrival);
    e.group = group;
    push(e);
  }
  // queue_run (`id` an MTA) or runner_step (`id` a runner).
  void push_runner(double time, EventKind kind, std::uint32_t id) {
    Event e = make(time, kind);
    e.mta = id;
    push(e);
  }
  void push_fault(double time, EventKind kind, std::uint32_t fault) {
    Event e = make(time, kind);
    e.fault = fault;
    e.seq = state_change_key(kFaultKeys + fault);
    push(e);
  }
  void push_server_state(double time, std::uint32_t server, bool up) {
    Event e = make(time, EventKind::server_state);
    e.server = server;
    e.up = up;
    e.seq = state_change_key(server);
    push(e);
  }

  bool empty() const { return current_.empty() && in_ring_ == 0 && far_.empty(); }
  // The earliest event (not empty()).
  const Event& top() {
    if (current_.empty()) advance();
    return current_.top();
  }
  // Takes the earliest event if it happens at or before `t`.
  bool pop_until(double t, Event& out) {
    if (empty()) return false;
    if (current_.empty()) advance();
    if (current_.top().time > t) return false;
    out = current_.top();
    current_.pop();
    ++popped_;
    return true;
  }
  // Events taken so far.
  std::uint64_t popped() const { return popped_; }

 private:
  static bool later(const Event& x, const Event& y) {
    return x.time != y.time ? x.time > y.time : x.seq > y.seq;
  }

  // A 4-ary min-heap on (time, seq) that moves a hole instead of swapping:
  // half the depth of a binary heap and one copy per level. Keys are unique
  // (seq is), so the order of pops is the same as any other heap's.
  class Heap {
   public:
    bool empty() const { return items_.empty(); }
    const Event& top() const { return items_.front(); }
    void push(const Event& e) {
      std::size_t hole = items_.size();
      items_.emplace_back();
      while (hole > 0) {
        const std::size_t parent = (hole - 1) / kArity;
        if (!later(items_[parent], e)) break;
        items_[hole] = items_[parent];
        hole = parent;
      }
      items_[hole] = e;
    }
    void pop() {
      const Event last = items_.back();
      items_.pop_back();
      const std::size_t n = items_.size();
      if (n == 0) return;
      std::size_t hole = 0;
      for (;;) {
        const std::size_t first_child = hole * kArity + 1;
        if (first_child >= n) break;
        std::size_t best = first_child;
        const std::size_t end = std::min(first_child + kArity, n);
        for (std::size_t c = first_child + 1; c < end; ++c)
          if (later(items_[best], items_[c])) best = c;
        if (!later(last, items_[best])) break;
        items_[hole] = items_[best];
        hole = best;
      }
      items_[hole] = last;
    }

   private:
    static constexpr std::size_t kArity = 4;
    std::vector<Event> items_;
  };

  // A calendar of time buckets kWidth seconds wide. `current_` is a heap of
  // every event in buckets up to `bucket_`; the ring holds, unsorted, the
  // events of the next kRing - 1 buckets; `far_` the rest. A bucket is
  // sorted only when the clock reaches it, so a push costs a heap of one
  // bucket's events rather than of all. Buckets partition time (floor is
  // monotone), so the earliest event is always in `current_` once it is filled.
  static constexpr double kWidth = 0.25;
  static constexpr std::int64_t kRing = 256;  // 64 s: sessions and timeouts; retries wait in far_
  // Times past 10^18 s (an infinite one) share the last bucket, far enough
  // from the int64 limit that bucket arithmetic cannot overflow.
  static constexpr std::int64_t kLastBucket = std::int64_t{4} * 1000000000000000000;
  static std::int64_t bucket_of(double time) {
    const double b = std::floor(time / kWidth);
    return b < static_cast<double>(kLastBucket) ? static_cast<std::int64_t>(b) : kLastBucket;
  }
  void push(const Event& e) {
    const auto b = bucket_of(e.time);
    if (b <= bucket_) return current_.push(e);
    if (b - bucket_ < kRing) {
      ring_[static_cast<std::size_t>(b % kRing)].push_back(e);
      ++in_ring_;
      return;
    }
    far_.push(e);
  }
  // `current_` is empty: the clock moves to the next bucket holding events.
  void advance() {
    std::int64_t next = kLastBucket;
    if (!far_.empty()) next = bucket_of(far_.top().time);
    if (in_ring_ > 0)
      for (std::int64_t b = bucket_ + 1; b < bucket_ + kRing && b < next; ++b)
        if (!ring_[static_cast<std::size_t>(b % kRing)].empty()) {
          next = b;
          break;
        }
    bucket_ = next;
    auto& slot = ring_[static_cast<std::size_t>(next % kRing)];
    for (const auto& e : slot) current_.push(e);
    in_ring_ -= slot.size();
    slot.clear();
    while (!far_.empty() && bucket_of(far_.top().time) <= bucket_) {
      current_.push(far_.top());
      far_.pop();
    }
  }

  // Other events' keys have the top bit set; a state change's key is what it
  // concerns (servers first, then faults by index), then its push order.
  static constexpr std::uint64_t kLater = std::uint64_t{1} << 63;
  static constexpr std::uint64_t kFaultKeys = std::uint64_t{1} << 31;
  std::uint64_t state_change_key(std::uint64_t concerns) const { return (concerns << 31) | (seq_ & 0x7fffffffU); }

  Event make(double time, EventKind kind) {
    Event e;
    e.time = time;
    e.seq = kLater | seq_++;
    e.slot = 0;
    e.token = 0;
    e.server = 0;
    e.kind = kind;
    e.ok = false;
    return e;
  }
  Heap current_;
  std::vector<std::vector<Event>> ring_ = std::vector<std::vector<Event>>(kRing);
  std::size_t in_ring_ = 0;
  Heap far_;
  std::int64_t bucket_ = -1;  // times start at 0
  std::uint64_t seq_ = 0;
  std::uint64_t popped_ = 0;
};

}  // namespace mxsim::model
