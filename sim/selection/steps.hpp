// The small pure steps every selection policy is built from (as Postfix builds
// its order from dns_rr_shuffle and dns_rr_sort), and the three stateless
// orderings the MTA profiles use. No allocation once `order` has grown.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "dns/resolver.hpp"
#include "util/random.hpp"

namespace mxsim::selection {

// order = 0, 1, ..., targets.size() - 1 (capacity reused).
void identity(std::span<const dns::Target> targets, std::vector<std::uint32_t>& order);

// Stable sort of items[0, n) by key(item), ascending: the one insertion sort
// of every policy (stable, allocation-free, linear on sorted input, fast on
// the small MX sets mail uses). Equal keys keep their order.
template <typename Key>
void sort_by(std::uint32_t* items, std::size_t n, Key&& key) {
  for (std::size_t i = 1; i < n; ++i) {
    const std::uint32_t item = items[i];
    const auto k = key(item);
    std::size_t j = i;
    while (j > 0 && k < key(items[j - 1])) {
      items[j] = items[j - 1];
      --j;
    }
    items[j] = item;
  }
}

// Stable sort of `order` by the preference of the targets it indexes, lowest first.
inline void sort_by_preference(std::span<const dns::Target> targets, std::span<std::uint32_t> order) {
  sort_by(order.data(), order.size(), [targets](std::uint32_t i) { return targets[i].preference; });
}

// Calls level(first, size) for each run of equal preference in a sorted `order`.
template <typename Level>
void for_each_level(std::span<const dns::Target> targets, std::span<std::uint32_t> order, Level&& level) {
  std::size_t begin = 0;
  while (begin < order.size()) {
    const auto preference = targets[order[begin]].preference;
    std::size_t end = begin + 1;
    while (end < order.size() && targets[order[end]].preference == preference) ++end;
    level(order.data() + begin, end - begin);
    begin = end;
  }
}

// Fisher-Yates: a uniformly random permutation of items[0, n).
inline void shuffle(std::uint32_t* items, std::size_t n, util::Rng& rng) {
  for (std::size_t i = n; i > 1; --i) {
    const std::size_t j = rng.below(static_cast<std::uint32_t>(i));
    std::swap(items[i - 1], items[j]);
  }
}

// Within one level: the exchanges in uniformly random order, each exchange's
// addresses together and in resolver order (RFC 5321 §5.1). An exchange named
// twice in the level is one exchange. One pass finds the host runs; a
// Fisher-Yates permutes them through a fixed stack buffer.
void shuffle_hosts(std::span<const dns::Target> targets, std::uint32_t* level, std::size_t n, util::Rng& rng);

// Sendmail's mxrand(): a hash of an exchange seeded once per process. The
// name's id stands for the name (one id per name in a run).
inline std::uint64_t sendmail_key(std::uint64_t process_seed, dns::NameId host) {
  std::uint64_t state = process_seed ^ (static_cast<std::uint64_t>(host) * 0x9E3779B97F4A7C15ULL);
  return util::splitmix64(state);
}

// Keeps the first `limit` entries; 0 = no limit.
inline void cut(std::vector<std::uint32_t>& order, std::uint32_t limit) {
  if (limit != 0 && order.size() > limit) order.resize(limit);
}

// The stateless orderings. Each writes into `order` the indices of `targets`
// in the order to try them, lowest preference first, cut to `limit` (0 = all).
//   rfc5321-shuffle: exchanges shuffled within a level, a host's addresses in resolver order;
//   postfix-shuffle: every address shuffled, then stable-sorted by preference (smtp_addr.c);
//   ordered:         zone order within a level, no randomization.
void order_rfc5321_shuffle(std::span<const dns::Target> targets, util::Rng& rng, std::uint32_t limit,
                           std::vector<std::uint32_t>& order);
void order_postfix_shuffle(std::span<const dns::Target> targets, util::Rng& rng, std::uint32_t limit,
                           std::vector<std::uint32_t>& order);
void order_zone(std::span<const dns::Target> targets, std::uint32_t limit, std::vector<std::uint32_t>& order);

}  // namespace mxsim::selection
