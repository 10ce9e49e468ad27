// Ordering as RFC 5321 and Postfix do it. Composed of small steps, as Postfix
// composes dns_rr_shuffle and dns_rr_sort: shuffle, then a stable sort by
// preference.
#include "mta/ordering.hpp"

#include <algorithm>

namespace mxsim::mta {
namespace {

void shuffle(std::vector<std::uint32_t>& v, std::size_t begin, std::size_t end, util::Rng& rng) {
  for (std::size_t i = end - begin; i > 1; --i) {
    const std::size_t j = rng.below(static_cast<std::uint32_t>(i));
    std::swap(v[begin + i - 1], v[begin + j]);
  }
}

void sort_by_preference(std::span<const dns::Target> targets, std::vector<std::uint32_t>& order) {
  // Insertion sort: stable, and MX sets are small.
  for (std::size_t i = 1; i < order.size(); ++i) {
    const std::uint32_t item = order[i];
    std::size_t j = i;
    while (j > 0 && targets[order[j - 1]].preference > targets[item].preference) {
      order[j] = order[j - 1];
      --j;
    }
    order[j] = item;
  }
}

// Within each preference level, put the exchanges in random order while
// each exchange's addresses stay together and in resolver order.
void shuffle_hosts_within_levels(std::span<const dns::Target> targets, std::vector<std::uint32_t>& order,
                                 util::Rng& rng) {
  std::size_t level_begin = 0;
  while (level_begin < order.size()) {
    const auto preference = targets[order[level_begin]].preference;
    std::size_t level_end = level_begin;
    while (level_end < order.size() && targets[order[level_end]].preference == preference) ++level_end;
    // Fisher-Yates over hosts: pick a random remaining host, move its
    // addresses (stably) to the front of the unplaced part.
    std::size_t placed = level_begin;
    while (placed < level_end) {
      std::uint32_t hosts = 0;
      for (std::size_t k = placed; k < level_end; ++k) {
        const bool first_of_host =
            std::none_of(order.begin() + static_cast<std::ptrdiff_t>(placed), order.begin() + static_cast<std::ptrdiff_t>(k),
                         [&](std::uint32_t o) { return targets[o].host == targets[order[k]].host; });
        hosts += first_of_host ? 1 : 0;
      }
      if (hosts <= 1) break;
      std::uint32_t pick = rng.below(hosts);
      dns::NameId chosen = dns::kNoName;
      for (std::size_t k = placed; k < level_end; ++k) {
        const bool first_of_host =
            std::none_of(order.begin() + static_cast<std::ptrdiff_t>(placed), order.begin() + static_cast<std::ptrdiff_t>(k),
                         [&](std::uint32_t o) { return targets[o].host == targets[order[k]].host; });
        if (first_of_host && pick-- == 0) {
          chosen = targets[order[k]].host;
          break;
        }
      }
      // Move the chosen host's addresses to the front, keeping their order
      // (a hand-written stable partition: std::stable_partition allocates).
      for (std::size_t k = placed; k < level_end; ++k) {
        if (targets[order[k]].host != chosen) continue;
        const std::uint32_t item = order[k];
        for (std::size_t m = k; m > placed; --m) order[m] = order[m - 1];
        order[placed++] = item;
      }
    }
    level_begin = level_end;
  }
}

}  // namespace

void order_targets(std::span<const dns::Target> targets, Ordering ordering, util::Rng& rng, std::uint32_t limit,
                   std::vector<std::uint32_t>& order) {
  order.resize(targets.size());
  for (std::uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  switch (ordering) {
    case Ordering::shuffle_addresses:
      shuffle(order, 0, order.size(), rng);
      sort_by_preference(targets, order);
      break;
    case Ordering::shuffle_hosts:
      sort_by_preference(targets, order);
      shuffle_hosts_within_levels(targets, order, rng);
      break;
    case Ordering::ordered:
      sort_by_preference(targets, order);
      break;
    case Ordering::exim_random:
    case Ordering::sendmail_hash:
    case Ordering::dns_least_loaded:
      // These need per-MTA state: see mta/profile_ordering.hpp. Without it,
      // the RFC's shuffle is the nearest behaviour.
      sort_by_preference(targets, order);
      shuffle_hosts_within_levels(targets, order, rng);
      break;
  }
  if (limit != 0 && order.size() > limit) order.resize(limit);
}

}  // namespace mxsim::mta
