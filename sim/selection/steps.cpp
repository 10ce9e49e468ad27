// The ordering steps. shuffle_hosts is the hot one (every delivery attempt of
// an RFC 5321 sender calls it): one pass over the level, then a Fisher-Yates
// over host runs held in a fixed stack buffer, so that no pick allocates.
#include "selection/steps.hpp"

#include <algorithm>
#include <array>

namespace mxsim::selection {
namespace {

// Stack buffers of the fast path; bigger levels take the in-place path.
constexpr std::size_t kMaxRuns = 64;
constexpr std::size_t kMaxLevel = 256;

// Makes each host's entries contiguous, keeping resolver order: an entry
// whose host appeared before, not just before it, moves right after that
// host's last entry. Only for levels that name an exchange twice (rare).
void gather_hosts(std::span<const dns::Target> targets, std::uint32_t* level, std::size_t n) {
  for (std::size_t i = 1; i < n; ++i) {
    const auto host = targets[level[i]].host;
    std::size_t last = i;
    for (std::size_t k = i; k-- > 0;) {
      if (targets[level[k]].host == host) {
        last = k;
        break;
      }
    }
    if (last == i || last + 1 == i) continue;
    std::rotate(level + last + 1, level + i, level + i + 1);
  }
}

// Host runs are contiguous and distinct here. Picks a random remaining run
// and rotates it to the front: O(n x runs), no buffer, any size.
void shuffle_runs_in_place(std::span<const dns::Target> targets, std::uint32_t* level, std::size_t n,
                           std::size_t runs, util::Rng& rng) {
  std::size_t placed = 0;
  for (; runs > 1; --runs) {
    std::uint32_t pick = rng.below(static_cast<std::uint32_t>(runs));
    std::size_t begin = placed;
    while (pick > 0) {  // skip to the start of run number `pick`
      const auto host = targets[level[begin]].host;
      while (begin < n && targets[level[begin]].host == host) ++begin;
      --pick;
    }
    std::size_t end = begin;
    while (end < n && targets[level[end]].host == targets[level[begin]].host) ++end;
    std::rotate(level + placed, level + begin, level + end);
    placed += end - begin;
  }
}

void shuffle_hosts_impl(std::span<const dns::Target> targets, std::uint32_t* level, std::size_t n, util::Rng& rng,
                        bool gathered) {
  // One pass: where each run of one host starts, and whether a host may
  // come back after another (a 256-bit filter on the host id; a false alarm
  // only costs the gather below).
  std::array<std::uint32_t, kMaxRuns + 1> run_start;
  std::array<std::uint64_t, 4> seen{};
  bool repeats = false;
  std::size_t runs = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const auto host = targets[level[i]].host;
    if (i > 0 && host == targets[level[i - 1]].host) continue;
    const std::uint32_t bit = host & 255u;
    std::uint64_t& word = seen[bit >> 6];
    const std::uint64_t mask = std::uint64_t{1} << (bit & 63u);
    repeats = repeats || (word & mask) != 0;
    word |= mask;
    if (runs < kMaxRuns) run_start[runs] = static_cast<std::uint32_t>(i);
    ++runs;
  }
  if (repeats && !gathered) {
    gather_hosts(targets, level, n);
    return shuffle_hosts_impl(targets, level, n, rng, true);
  }
  if (runs < 2) return;
  if (runs == n) return shuffle(level, n, rng);  // one address per host: the common case
  if (runs > kMaxRuns || n > kMaxLevel) return shuffle_runs_in_place(targets, level, n, runs, rng);

  // Fisher-Yates over the runs, then copy them out in the new order.
  run_start[runs] = static_cast<std::uint32_t>(n);
  std::array<std::uint32_t, kMaxRuns> run;
  for (std::uint32_t r = 0; r < runs; ++r) run[r] = r;
  shuffle(run.data(), runs, rng);
  std::array<std::uint32_t, kMaxLevel> copy;
  std::copy(level, level + n, copy.begin());
  std::size_t out = 0;
  for (std::size_t r = 0; r < runs; ++r)
    for (std::uint32_t i = run_start[run[r]]; i < run_start[run[r] + 1]; ++i) level[out++] = copy[i];
}

}  // namespace

void identity(std::span<const dns::Target> targets, std::vector<std::uint32_t>& order) {
  order.resize(targets.size());
  for (std::uint32_t i = 0; i < order.size(); ++i) order[i] = i;
}

void shuffle_hosts(std::span<const dns::Target> targets, std::uint32_t* level, std::size_t n, util::Rng& rng) {
  shuffle_hosts_impl(targets, level, n, rng, false);
}

void order_rfc5321_shuffle(std::span<const dns::Target> targets, util::Rng& rng, std::uint32_t limit,
                           std::vector<std::uint32_t>& order) {
  identity(targets, order);
  sort_by_preference(targets, order);
  for_each_level(targets, order, [&](std::uint32_t* level, std::size_t n) { shuffle_hosts(targets, level, n, rng); });
  cut(order, limit);
}

void order_postfix_shuffle(std::span<const dns::Target> targets, util::Rng& rng, std::uint32_t limit,
                           std::vector<std::uint32_t>& order) {
  identity(targets, order);
  shuffle(order.data(), order.size(), rng);
  sort_by_preference(targets, order);
  cut(order, limit);
}

void order_zone(std::span<const dns::Target> targets, std::uint32_t limit, std::vector<std::uint32_t>& order) {
  identity(targets, order);
  sort_by_preference(targets, order);
  cut(order, limit);
}

}  // namespace mxsim::selection
