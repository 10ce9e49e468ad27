// The order in which a sending MTA tries the addresses of an MX set: a pure
// function of the resolved targets and a random stream (RFC 5321 §5.1).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "dns/resolver.hpp"
#include "mta/profile.hpp"
#include "util/random.hpp"

namespace mxsim::mta {

// Writes into `order` the indices of `targets` in the order to try them,
// lowest preference first, randomized among equal preferences as `ordering`
// says, cut to `limit` entries (0 = no limit). `order`'s capacity is reused:
// no allocation once it has grown to the MX set's size.
void order_targets(std::span<const dns::Target> targets, Ordering ordering, util::Rng& rng,
                   std::uint32_t limit, std::vector<std::uint32_t>& order);

}  // namespace mxsim::mta
