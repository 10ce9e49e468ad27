// When hosts and links change state, generated as the run reaches each
// change instead of listed up front: a periodic fault (`every: 1s` over a
// year) costs memory in proportion to the number of events, not windows.
#pragma once

#include <cstdint>
#include <functional>
#include <queue>
#include <tuple>
#include <vector>

#include <simgrid/kernel/ProfileBuilder.hpp>
#include <simgrid/s4u.hpp>

#include "model/faults.hpp"

namespace mxsim::engine {

namespace sg4 = simgrid::s4u;

// A host's `down` windows as a SimGrid state profile fed by a callback: the
// next window (off at its start, on at its end) is appended when SimGrid has
// used the last one. SimGrid keeps what was appended (16 bytes a change).
simgrid::kernel::profile::Profile* host_profile(const std::string& name, model::MergedWindows windows);

// Host state changes in time order, for fast sessions: there nothing on the
// SimGrid side depends on a server's host being up, so the engine's model
// actor applies them to the model itself, in constant memory (a SimGrid
// profile keeps every change it has applied).
class HostChanges {
 public:
  void add(const sg4::Host* host, model::MergedWindows windows);
  // When the next change falls (infinite when none is left).
  double next_time() const;
  // Takes the next change if it falls at or before `t`: its time, host and
  // new state (true: up).
  bool take_until(double t, double& when, const sg4::Host*& host, bool& up);

 private:
  struct Host {
    const sg4::Host* host;
    model::MergedWindows windows;
    model::DownWindow current{};
    bool at_end = false;  // the next change is current.end (else current.start)
  };
  void advance(std::size_t host);
  std::vector<Host> hosts_;
  using Item = std::pair<double, std::size_t>;  // (time, host)
  std::priority_queue<Item, std::vector<Item>, std::greater<>> next_;
};

// Link faults in time order, applied by an actor (a platform file's links
// are sealed: they take no profiles). The order is the one of a stable sort
// by time of: every `degrade` event's changes (by event, then link, then
// window: start, end), then each link's merged `down` windows (off, on).
class LinkChanges {
 public:
  struct Change {
    double time;
    sg4::Link* link;
    enum class Kind : std::uint8_t { off, on, bandwidth } kind;
    double bandwidth;
  };
  void add_degrade(sg4::Link* link, const scenario::Event& e, double until);
  void add_down(sg4::Link* link, model::MergedWindows windows);
  bool empty() const { return next_.empty(); }
  // The next change in order; false when none is left.
  bool next(Change& out);

 private:
  // A stream of changes in increasing time: a degrade event's starts or its
  // ends, or a link's merged down windows.
  struct Stream {
    sg4::Link* link;
    enum class Kind : std::uint8_t { degrade_start, degrade_end, down } kind;
    double nominal = 0, degraded = 0;
    std::vector<model::EventWindows> event{};    // degrade: one
    std::vector<model::MergedWindows> merged{};  // down: one
    model::DownWindow current{};
    bool at_end = false;
    std::size_t rank = 0;  // its source's place in the order above
    std::uint64_t index = ~std::uint64_t{0};  // its current window's number, from 0
  };
  void advance(std::size_t stream);
  std::vector<Stream> streams_;
  // (time, rank of the stream's source, index within the source, stream)
  using Item = std::tuple<double, std::size_t, std::uint64_t, std::size_t>;
  std::priority_queue<Item, std::vector<Item>, std::greater<>> next_;
  std::size_t ranks_ = 0;
};

}  // namespace mxsim::engine
