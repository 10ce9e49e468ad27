// Queue runs of the MTAs whose deferred mail waits for a queue-run process
// (profile.queue_runners: Exim, Sendmail). An arriving message is still
// delivered at once by a process of its own (delivery.cpp, arrive); once
// deferred it sits in its MTA's queue until a run takes it:
// - at every tick of the MTA's timer (phase + k * queue_run_interval,
//   mta/phase.hpp) one run starts, unless queue_run_max are going;
// - a run lists the queue as it is when it starts (Exim: random order;
//   Sendmail: QueueSortOrder priority, fewer tries first) and delivers its
//   messages ONE at a time: the next attempt starts when the last one ends.
//   A message that another process holds (an attempt in progress) or that
//   has left the queue is skipped; one whose hosts' retry times have not
//   come defers at once, without a connection;
// - Exim: after a successful delivery to a host the open connection goes to
//   a message waiting for that host (the wait-<transport> hints), up to
//   connection_max_messages per connection; the run waits for that chain;
// - Sendmail: a run keeps up to connection_cache_size connections open,
//   each idle at most connection_cache_timeout, for its later messages to
//   the same host.
// The sources are cited in mta/profile.cpp (exim_profile, sendmail_profile)
// and in queue_runner.cpp.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

namespace mxsim::model {

inline constexpr std::uint32_t kNoRunner = ~std::uint32_t{0};

// A message in a queue or a wait list: its slot, checked against its id
// (slots are reused).
struct QueueEntry {
  std::uint32_t slot = 0;
  std::uint64_t id = 0;
};

// A connection a Sendmail run keeps open between its messages. The server's
// session is held by a placeholder slot (a Message that is no message) whose
// kept_server marks the connection as unused, as a kept connection is.
struct CachedConnection {
  std::uint32_t holder = 0;
  std::uint32_t server = 0;
  double last_use = 0;
};

// One queue-run process.
struct Runner {
  std::uint32_t mta = 0;
  std::uint64_t process = 0;        // its process id (Sendmail's host status lives in it)
  std::vector<QueueEntry> list{};   // the messages it found at its start, in its order
  std::size_t next = 0;             // the next entry to take
  std::vector<CachedConnection> cache{};  // Sendmail, least recently used first
};

// One MTA's queue of deferred mail and its wait lists.
struct MtaQueue {
  std::vector<QueueEntry> spool{};
  // Exim's wait-<transport> hints: by server, the messages waiting for it,
  // oldest first.
  std::vector<std::pair<std::uint32_t, std::vector<QueueEntry>>> waiting{};
  std::uint32_t running = 0;  // runs in progress
  bool armed = false;         // a queue_run event is pending
};

}  // namespace mxsim::model
