// The event queue against a plain reference: whatever the calendar does
// inside, events come out in (time, push order) order, state changes first
// at an instant, across near buckets, the ring's wrap, far retries and an
// infinite time, with pushes between pops as the model makes them.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <tuple>
#include <vector>

#include "model/event_queue.hpp"
#include "util/random.hpp"

namespace mxsim::model {
namespace {

struct Pushed {
  double time;
  int rank;           // 0: a state change (ordered by server), 1: anything else
  std::uint32_t key;  // the server, or the push order
  std::uint32_t id;
};

TEST(EventQueue, PopsInTimeThenStateChangesThenPushOrder) {
  util::Rng rng(7);
  EventQueue queue;
  std::vector<Pushed> pending;
  std::uint32_t next_id = 0, order = 0;
  double now = 0;
  auto push_some = [&](int n) {
    for (int i = 0; i < n; ++i) {
      const double pick = rng.uniform();
      double t = now;
      if (pick < 0.3) {
        t = now + rng.uniform() * 0.5;  // within a bucket or two
      } else if (pick < 0.6) {
        t = now + rng.uniform() * 60;  // the ring
      } else if (pick < 0.8) {
        t = now + 60 + rng.uniform() * 5000;  // far: retries
      } else if (pick < 0.95) {
        t = std::floor(now) + 1;  // ties on a whole second
      } else if (pick < 0.97) {
        t = std::numeric_limits<double>::infinity();
      }
      const auto id = next_id++;
      if (rng.below(5) == 0) {
        const auto server = rng.below(4);
        queue.push_server_state(t, server, true);
        pending.push_back({t, 0, server, id});
        ++order;
      } else {
        queue.push_message(t, EventKind::attempt_ready, id, 0);
        pending.push_back({t, 1, order++, id});
      }
    }
  };
  push_some(2000);
  std::size_t popped = 0;
  while (!pending.empty()) {
    auto it = std::min_element(pending.begin(), pending.end(), [](const Pushed& a, const Pushed& b) {
      return std::tie(a.time, a.rank, a.key, a.id) < std::tie(b.time, b.rank, b.key, b.id);
    });
    ASSERT_FALSE(queue.empty());
    EXPECT_EQ(queue.top().time, it->time);
    Event e;
    ASSERT_TRUE(queue.pop_until(it->time, e)) << "at " << it->time;
    EXPECT_EQ(e.time, it->time);
    if (it->rank == 0) {
      EXPECT_EQ(e.kind, EventKind::server_state);
      EXPECT_EQ(e.server, it->key);
    } else {
      EXPECT_EQ(e.kind, EventKind::attempt_ready);
      EXPECT_EQ(e.slot, it->id);
    }
    if (std::isfinite(e.time)) now = e.time;
    pending.erase(it);
    ++popped;
    if (popped % 7 == 0) push_some(3);
  }
  EXPECT_TRUE(queue.empty());
  EXPECT_EQ(queue.popped(), popped);
}

TEST(EventQueue, PopUntilStopsBeforeLaterEvents) {
  EventQueue queue;
  queue.push_message(100, EventKind::attempt, 1, 0);
  queue.push_message(0.1, EventKind::attempt_ready, 2, 0);
  Event e;
  EXPECT_FALSE(queue.pop_until(0.05, e));
  ASSERT_TRUE(queue.pop_until(50, e));
  EXPECT_EQ(e.slot, 2U);
  EXPECT_FALSE(queue.pop_until(99.9, e));
  // The engine may push a state change for a time before the bucket the
  // queue looked ahead to: it still comes first.
  queue.push_server_state(60, 3, false);
  ASSERT_TRUE(queue.pop_until(100, e));
  EXPECT_EQ(e.kind, EventKind::server_state);
  ASSERT_TRUE(queue.pop_until(100, e));
  EXPECT_EQ(e.slot, 1U);
  EXPECT_TRUE(queue.empty());
}

}  // namespace
}  // namespace mxsim::model
