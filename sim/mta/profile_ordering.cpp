// Orderings of the MTAs beyond RFC 5321 and Postfix. Each builds a key per
// exchange and sorts by it; the sorts are insertion sorts, stable and
// allocation-free on the small MX sets mail uses.
#include "mta/profile_ordering.hpp"

#include "mta/ordering.hpp"

#include <utility>

#include "selection/steps.hpp"

namespace mxsim::mta {
namespace {

// Stable insertion sort of `order` by key(target index).
template <typename Key>
void sort_by(std::vector<std::uint32_t>& order, Key key) {
  for (std::size_t i = 1; i < order.size(); ++i) {
    const std::uint32_t item = order[i];
    const auto k = key(item);
    std::size_t j = i;
    while (j > 0 && key(order[j - 1]) > k) {
      order[j] = order[j - 1];
      --j;
    }
    order[j] = item;
  }
}

void identity(std::size_t n, std::vector<std::uint32_t>& order) {
  order.resize(n);
  for (std::uint32_t i = 0; i < n; ++i) order[i] = i;
}

void cut(std::uint32_t limit, std::vector<std::uint32_t>& order) {
  if (limit != 0 && order.size() > limit) order.resize(limit);
}

// Index of the first target of the same exchange: a host's key is drawn once.
std::uint32_t first_of_host(std::span<const dns::Target> targets, std::uint32_t i) {
  for (std::uint32_t j = 0; j < i; ++j)
    if (targets[j].host == targets[i].host) return j;
  return i;
}

}  // namespace

std::uint64_t sendmail_key(std::uint64_t process_seed, dns::NameId host) {
  return selection::sendmail_key(process_seed, host);  // one hash for the profile and the policy
}

void order_exim(std::span<const dns::Target> targets, std::span<const std::uint8_t> is_ipv6_by_address,
                util::Rng& rng, std::uint32_t limit, std::vector<std::uint32_t>& order) {
  identity(targets.size(), order);
  // Keys per target, drawn once per exchange: MX sets are small, a fixed
  // buffer covers them, and larger ones fall back to a vector.
  constexpr std::size_t kInline = 64;
  std::uint64_t inline_keys[kInline];
  std::vector<std::uint64_t> heap_keys;
  std::uint64_t* keys = inline_keys;
  if (targets.size() > kInline) {
    heap_keys.resize(targets.size());
    keys = heap_keys.data();
  }
  for (std::uint32_t i = 0; i < targets.size(); ++i) {
    const std::uint32_t first = first_of_host(targets, i);
    const std::uint64_t host_key =
        first == i ? static_cast<std::uint64_t>(targets[i].preference) * 1000 + rng.below(500) : keys[first] >> 1;
    // Within an exchange, IPv6 first: the low bit orders the two families.
    const std::uint64_t family = is_ipv6_by_address[targets[i].address] ? 0 : 1;
    keys[i] = host_key << 1 | family;
  }
  sort_by(order, [&](std::uint32_t i) { return keys[i]; });
  cut(limit, order);
}

void order_sendmail(std::span<const dns::Target> targets, std::uint64_t process_seed, std::uint32_t limit,
                    std::vector<std::uint32_t>& order) {
  identity(targets.size(), order);
  sort_by(order, [&](std::uint32_t i) {
    // Preference first; the hash orders equal preferences; a host's
    // addresses share its key and keep resolver order (the sort is stable).
    return std::pair<std::uint16_t, std::uint64_t>(targets[i].preference,
                                                   sendmail_key(process_seed, targets[i].host));
  });
  cut(limit, order);
}

void order_opensmtpd(std::span<const dns::Target> targets, std::span<const std::uint32_t> inflight_by_address,
                     util::Rng& rng, std::uint32_t limit, std::vector<std::uint32_t>& order) {
  // The resolver's order: exchanges shuffled within each level.
  order_targets(targets, Ordering::shuffle_hosts, rng, 0, order);
  if (!order.empty()) {
    // Within the best level, the least-loaded exchange moves to the front.
    const auto best = targets[order.front()].preference;
    std::size_t chosen = 0;
    for (std::size_t k = 1; k < order.size() && targets[order[k]].preference == best; ++k)
      if (inflight_by_address[targets[order[k]].address] < inflight_by_address[targets[order[chosen]].address])
        chosen = k;
    if (chosen != 0) {
      const auto host = targets[order[chosen]].host;
      // Move that exchange's addresses (in order) to the front of the level.
      std::size_t placed = 0;
      for (std::size_t k = 0; k < order.size() && targets[order[k]].preference == best; ++k) {
        if (targets[order[k]].host != host) continue;
        const auto item = order[k];
        for (std::size_t m = k; m > placed; --m) order[m] = order[m - 1];
        order[placed++] = item;
      }
    }
  }
  cut(limit, order);
}

}  // namespace mxsim::mta
