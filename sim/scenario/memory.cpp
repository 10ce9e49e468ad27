// Peak-memory estimate (memory.hpp). The per-item costs were measured with
// this build (peak VmPeak and RSS of each committed scenario, 10^4 MTAs x
// 1,000 addresses, a year of a fault every second) and rounded up; the
// integration test test_memory.py runs every committed scenario under
// `ulimit -v` of its estimate plus 25%.
#include "scenario/memory.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <exception>

#include "mta/profile.hpp"

namespace mxsim::scenario {
namespace {

constexpr double kMiB = 1024.0 * 1024.0;
// The process before any scenario data: measured VmPeak of the smallest runs
// is 54 MiB (SimGrid, yaml-cpp, ldns, Boost, the C++ runtime).
constexpr double kProcess = 64 * kMiB;
// One message alive: its slot, queue entries, trace of attempts, histograms.
constexpr double kMessage = 512;
// One MTA: its state, destinations, policy; plus a host record per address
// once it has seen a failure.
constexpr double kMta = 1024;
constexpr double kHostRecord = 64;
// One address in a resolver's cache: its A and AAAA RRsets and the MX set's target.
constexpr double kCachedAddress = 320;
// A SimGrid actor: its 256 KiB stack, a guard page and its bookkeeping.
constexpr double kActor = 272 * 1024.0;
// A host state change appended to a SimGrid profile.
constexpr double kProfileChange = 16;
// A report bin per address (timeseries.csv rows kept until the end).
constexpr double kBinRow = 128;
// Paje: SimGrid's trace buffers grow with the activities it records.
constexpr double kPajePerMessage = 4096;

}  // namespace

MemoryEstimate estimate_memory(const Scenario& scenario, const Topology& topology, bool paje) {
  MemoryEstimate m;
  m.process = kProcess;
  const bool network = scenario.engine.sessions == SessionKind::network;
  const double addresses = static_cast<double>(topology.servers().size());
  double messages = 0, mtas = 0, resolvers = 0;
  for (const auto& g : scenario.senders) {
    const double sent = g.rate * scenario.duration;
    messages += sent;
    mtas += g.mtas;
    // A resolver's cache fills on its first use: no more of them than messages.
    const double caches = g.resolvers > 0 ? g.resolvers : g.mtas;
    resolvers += std::min(caches, std::ceil(sent) + 1);
  }
  // Relays: an MTA and a resolver each.
  for (const auto& s : topology.servers())
    if (s.spec.role == Role::relay) {
      mtas += 1;
      resolvers += 1;
    }
  m.messages = messages * kMessage;
  m.mtas = mtas * (kMta + addresses * kHostRecord);
  m.resolvers = resolvers * addresses * kCachedAddress;
  if (network) {
    // At most one transfer or work per session, plus the backlog's waiting connections.
    double sessions = 0;
    for (const auto& s : topology.servers()) sessions += s.spec.sessions + s.spec.backlog;
    m.actors = (std::min(sessions, messages) + 8) * kActor;
    // Host state changes up to the run's last possible instant.
    // (World::time_bound: the longest lifetime, a retry gap and a day.)
    double longest = 0;
    for (const auto& g : scenario.senders) {
      try {
        const auto p = mta::configured_profile(g.profile, g.overrides);
        longest = std::max(longest, p.max_lifetime + std::max(p.retry_interval, p.max_backoff + p.queue_run_delay));
      } catch (const std::exception&) {
        longest = std::max(longest, 5.0 * 86400);  // the loader reports a bad profile; this is only an estimate
      }
    }
    longest += 86400;
    const double until = scenario.horizon.value_or(scenario.duration + longest);
    for (const auto& e : scenario.events)
      if (e.fault == Fault::down && e.every && *e.every > 0)
        m.periodic += 2 * std::max(0.0, (until - e.at) / *e.every) * kProfileChange;
  }
  const double bins = std::ceil(scenario.duration / std::max(scenario.report.bin, 1e-9)) + 1;
  m.reports = bins * addresses * kBinRow;
  if (paje) m.reports += messages * kPajePerMessage;
  return m;
}

std::uint64_t default_memory_budget() {
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page = sysconf(_SC_PAGESIZE);
  constexpr std::uint64_t kMiBWhole = std::uint64_t{1} << 20;
  if (pages <= 0 || page <= 0) return std::uint64_t{4} << 30;
  const auto half = static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page) / 2;
  return std::max(kMiBWhole, half / kMiBWhole * kMiBWhole);
}

}  // namespace mxsim::scenario
