// Ordering as RFC 5321 and Postfix do it. The steps live in sim/selection
// (one implementation each, shared with the selection policies): Postfix
// shuffles, then stable-sorts by preference; RFC 5321 sorts, then shuffles
// the exchanges of each level.
#include "mta/ordering.hpp"

#include "selection/steps.hpp"

namespace mxsim::mta {

void order_targets(std::span<const dns::Target> targets, Ordering ordering, util::Rng& rng, std::uint32_t limit,
                   std::vector<std::uint32_t>& order) {
  switch (ordering) {
    case Ordering::shuffle_addresses: return selection::order_postfix_shuffle(targets, rng, limit, order);
    case Ordering::ordered: return selection::order_zone(targets, limit, order);
    case Ordering::shuffle_hosts: return selection::order_rfc5321_shuffle(targets, rng, limit, order);
    case Ordering::exim_random:
    case Ordering::sendmail_hash:
    case Ordering::dns_least_loaded:
      // These need per-MTA state: see mta/profile_ordering.hpp. Without it,
      // the RFC's shuffle is the nearest behaviour.
      return selection::order_rfc5321_shuffle(targets, rng, limit, order);
  }
  selection::order_rfc5321_shuffle(targets, rng, limit, order);
}

}  // namespace mxsim::mta
