// Messages in flight: slots in a slab reused as messages end, so that a run
// of any length allocates only for its largest queue. A slot's token changes
// whenever an event queued for it must no longer count.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

#include "dns/resolver.hpp"
#include "model/sessions.hpp"
#include "mta/profile.hpp"

namespace mxsim::model {

inline constexpr std::uint32_t kNoServer = ~std::uint32_t{0};

// What a delivery tells Postfix's concurrency scheduler when it ends
// (qmgr_deliver.c): a site failure is a connection or handshake failure at
// the last server tried, or a temporary DNS failure (smtp_connect.c ends
// both with smtp_sess_fail, which throttles the queue); anything else,
// greylisting and 5xx included, is positive feedback.
enum class Feedback : std::uint8_t { none, success, site_failure };

// Between attempts a message is a WaitingMessage (below): a field that must
// outlive a retry goes there too, copied by World::Impl::park and unpark.
// A queue-run MTA's deferred mail (queue_runner.hpp) keeps its slot instead:
// its queue and wait lists name it by slot.
struct Message {
  std::uint32_t token = 0;
  std::uint32_t group = 0;         // of the MTA holding it now
  std::uint32_t origin_group = 0;  // the sender group it came from
  std::uint32_t mta = 0;
  dns::NameId domain = dns::kNoName;
  std::uint64_t id = 0;
  double submitted = 0;      // by the original sender: latencies count from here
  mta::RetryState retry;     // with the MTA holding it now (a relay restarts it)
  double attempt_start = 0;  // of the connection in progress
  double bytes = 0;          // network sessions: the message's size
  Session session;           // the session in progress
  bool first_hop_done = false;
  bool waiting_retry = false;
  bool holds_delivery = false;  // counts against its MTA's destination concurrency
  Feedback feedback = Feedback::none;  // of this delivery, when it ends
  // Connection reuse. The connection this message holds is open (from its
  // connect, or kept for it by the message before); it carried
  // `connection_messages` messages so far and was opened at `connection_opened`.
  bool connection_open = false;
  bool store_connection = false;  // its delivery may keep its session for the next (Postfix CONN_STORE)
  bool on_kept_connection = false;  // this session runs over a kept connection
  std::uint32_t kept_server = kNoServer;    // a kept connection waits for this attempt
  std::uint32_t reused_server = kNoServer;  // this attempt used a kept connection there
  std::uint32_t connection_messages = 0;
  double connection_opened = 0;
  std::uint32_t cursor = 0;
  std::uint32_t sessions_used = 0;  // sessions past EHLO that ended in 4xx/5xx, this attempt
  std::uint32_t connections = 0;    // connections made in this attempt
  std::uint32_t host_failures = 0;  // of those, the ones the host itself failed (no 2xx/4xx/5xx reply)
  // Exim, this attempt: hosts skipped as "retry time not reached" (and of
  // those, past their cutoff), and tried hosts whose retry item timed out.
  std::uint16_t skipped = 0;
  std::uint16_t skipped_expired = 0;
  std::uint16_t timed_out = 0;
  std::uint64_t process = 0;  // Sendmail: the process making this attempt (sender.hpp)
  // Queue runs (model/queue_runner.hpp): the run delivering it now, and
  // whether it is in its MTA's queue (and the hosts' wait lists) since it
  // was first deferred there.
  std::uint32_t runner = ~std::uint32_t{0};
  bool queued = false;
  bool wait_listed = false;
  std::uint32_t active_pos = 0;     // index in its server's active list during a session
  std::vector<dns::Target> targets;  // this attempt's resolution
  std::vector<std::uint32_t> order;  // indices into targets, in try order
  // model/connection_cache.hpp: this slot only holds an idle connection; the
  // connection counts against OpenSMTPD's limits, from source address `source`.
  bool idle_holder = false;
  bool limited = false;
  std::uint32_t source = 0;
};

// The free slots of a slab, the last freed reused first.
class FreeSlots {
 public:
  // A free slot, or `fresh()` (a new slot) when none is free.
  template <typename Fresh>
  std::uint32_t take(Fresh fresh) {
    if (free_.empty()) return fresh();
    const auto slot = free_.back();
    free_.pop_back();
    return slot;
  }
  void give(std::uint32_t slot) { free_.push_back(slot); }
  std::size_t size() const { return free_.size(); }

 private:
  std::vector<std::uint32_t> free_;
};

class MessageSlab {
 public:
  // A free slot (its vectors keep their capacity from earlier messages).
  std::uint32_t allocate() {
    return free_.take([this] {
      slots_.emplace_back();
      return static_cast<std::uint32_t>(slots_.size() - 1);
    });
  }
  void release(std::uint32_t slot) { free_.give(slot); }

  Message& operator[](std::uint32_t slot) { return slots_[slot]; }
  const Message& operator[](std::uint32_t slot) const { return slots_[slot]; }
  // True when an event pushed with `token` still concerns the message in `slot`.
  bool current(std::uint32_t slot, std::uint32_t token) const { return slots_[slot].token == token; }
  std::size_t size() const { return slots_.size(); }
  std::size_t live() const { return slots_.size() - free_.size(); }

 private:
  // A deque: a slot allocated while another is in use (an idle connection's
  // holder, model/connection_cache.hpp) leaves references to the others valid.
  std::deque<Message> slots_;
  FreeSlots free_;
};

// A message waiting for its retry keeps only what its next attempt reads:
// about a third of a Message, with no vectors. When servers are down almost
// every message in flight waits (an all-down day, bench/backlog-bench.yaml),
// so this is most of a run's memory then.
struct WaitingMessage {
  double submitted = 0;
  // Its mta::RetryState, flat (no padding).
  double retry_submitted = 0;
  double first_failure = -1;
  double last_gap = 0;
  double bytes = 0;
  std::uint64_t id = 0;
  std::uint64_t process = 0;
  std::uint32_t origin_group = 0;
  std::uint32_t mta = 0;  // its group is that MTA's
  dns::NameId domain = dns::kNoName;
  std::uint32_t failures : 31 = 0;
  std::uint32_t first_hop_done : 1 = 0;
};
static_assert(sizeof(WaitingMessage) == 72);

// Waiting messages, in chunks so that growing never copies (nor holds the
// old and new arrays at once), and slots reused as retries start.
class WaitingSlab {
 public:
  std::uint32_t allocate() {
    return free_.take([this] {
      if (size_ % kChunk == 0) chunks_.push_back(std::make_unique<Chunk>());
      return size_++;
    });
  }
  void release(std::uint32_t slot) { free_.give(slot); }
  WaitingMessage& operator[](std::uint32_t slot) { return (*chunks_[slot / kChunk])[slot % kChunk]; }
  std::size_t live() const { return size_ - free_.size(); }

 private:
  static constexpr std::uint32_t kChunk = 4096;
  using Chunk = std::array<WaitingMessage, kChunk>;
  std::vector<std::unique_ptr<Chunk>> chunks_;
  FreeSlots free_;
  std::uint32_t size_ = 0;
};

}  // namespace mxsim::model
