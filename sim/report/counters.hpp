// What is counted per server, and the one list of those counters that every
// output (summary.json, servers.csv, the text summary, timeseries.csv) reads
// its fields from, by name and accessor.
#pragma once

#include <array>
#include <cstdint>

#include "model/observer.hpp"

namespace mxsim::report {

using model::BounceReason;
using model::kBounceReasons;
using model::Outcome;

const char* outcome_name(Outcome outcome);
const char* bounce_name(BounceReason reason);

struct ServerCounters {
  std::uint64_t connections = 0;
  std::uint64_t accepted = 0;
  std::uint64_t timeouts = 0;
  std::uint64_t refused = 0;
  std::uint64_t tempfail = 0;       // every 421/450, busy ones included
  std::uint64_t busy_tempfail = 0;  // 421 because sessions and backlog were full
  std::uint64_t greylisted = 0;     // 450 from greylisting
  std::uint64_t rejected = 0;       // 5xx
  std::uint64_t peak_sessions = 0;  // the most sessions at once
  // Connections that ended, failed ones included, and the messages they
  // carried: their ratio is the messages per connection.
  std::uint64_t connections_closed = 0;
  std::uint64_t closed_messages = 0;
};

// Counts one attempt's outcome (greylisting and busy 421s are tempfails too).
inline void count_outcome(ServerCounters& c, Outcome outcome) {
  switch (outcome) {
    case Outcome::accepted: ++c.accepted; break;
    case Outcome::timeout: ++c.timeouts; break;
    case Outcome::refused: ++c.refused; break;
    case Outcome::busy_tempfail: ++c.busy_tempfail; ++c.tempfail; break;
    case Outcome::greylisted: ++c.greylisted; ++c.tempfail; break;
    case Outcome::tempfail: ++c.tempfail; break;
    case Outcome::rejected: ++c.rejected; break;
  }
}

// The outputs a counter appears in. summary.json's per-server entries carry
// every counter; the server tables (servers.csv, the text) lead with
// `accepted` and its share, then list theirs.
enum CounterUse : unsigned {
  kInAttempts = 1U << 0,     // summed over servers in summary.json's "attempts"
  kInAttemptsLine = 1U << 1, // the text summary's "attempts:" line
  kInServersCsv = 1U << 2,
  kInServerTable = 1U << 3,  // the text summary's server table
  kInBins = 1U << 4,         // timeseries.csv, per bin
};

struct CounterField {
  const char* name;  // JSON key and CSV column
  std::uint64_t ServerCounters::*value;
  unsigned uses;
  const char* column = nullptr;  // heading in the text table
  int width = 0;                 // of that column
  bool shows(CounterUse use) const { return (uses & use) != 0; }
};

inline constexpr std::array<CounterField, 11> kServerCounterFields{{
    {"connections", &ServerCounters::connections,
     kInAttempts | kInAttemptsLine | kInServersCsv | kInServerTable | kInBins, "connects", 11},
    {"accepted", &ServerCounters::accepted, kInAttempts | kInAttemptsLine | kInBins},
    {"timeouts", &ServerCounters::timeouts,
     kInAttempts | kInAttemptsLine | kInServersCsv | kInServerTable | kInBins, "timeout", 9},
    {"refused", &ServerCounters::refused,
     kInAttempts | kInAttemptsLine | kInServersCsv | kInServerTable | kInBins, "refused", 8},
    {"tempfail", &ServerCounters::tempfail,
     kInAttempts | kInAttemptsLine | kInServersCsv | kInServerTable | kInBins, "tempfail", 9},
    {"busy_tempfail", &ServerCounters::busy_tempfail, kInServersCsv},
    {"greylisted", &ServerCounters::greylisted, kInAttempts},
    {"rejected", &ServerCounters::rejected, kInAttempts},
    {"peak_sessions", &ServerCounters::peak_sessions, kInServersCsv | kInServerTable | kInBins, "peak", 6},
    {"connections_closed", &ServerCounters::connections_closed, kInAttempts | kInBins},
    {"closed_messages", &ServerCounters::closed_messages, kInAttempts | kInBins},
}};

inline void count_closed(ServerCounters& c, std::uint32_t messages) {
  ++c.connections_closed;
  c.closed_messages += messages;
}

}  // namespace mxsim::report
