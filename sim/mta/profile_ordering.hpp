// The MX orderings of Exim, Sendmail and OpenSMTPD: pure functions of the
// resolved targets, a random stream or per-MTA state, as mta/ordering.hpp's
// are for RFC 5321 and Postfix.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "dns/resolver.hpp"
#include "util/random.hpp"

namespace mxsim::mta {

// Exim (host.c): each exchange gets the key preference*1000 + random(500)
// once per lookup, exchanges are sorted by key (stable: equal keys keep zone
// order), and within an exchange IPv6 addresses come first.
void order_exim(std::span<const dns::Target> targets, std::span<const std::uint8_t> is_ipv6_by_address,
                util::Rng& rng, std::uint32_t limit, std::vector<std::uint32_t>& order);

// Sendmail (domain.c mxrand): exchanges of equal preference sorted by a hash
// of the name seeded once per process: stable within one MTA, uniform across.
void order_sendmail(std::span<const dns::Target> targets, std::uint64_t process_seed, std::uint32_t limit,
                    std::vector<std::uint32_t>& order);

// OpenSMTPD (mta.c): DNS answer order by preference; within the best level,
// the exchange with the fewest of this MTA's connections in flight first
// (ties keep DNS order). OpenSMTPD keeps no MX cache of its own and asks its
// recursive resolver for each new route; such resolvers rotate or shuffle
// the records of an answer (unbound's rrset-roundrobin, BIND's rrset-order
// cyclic), so the DNS order is modelled as random per lookup among equals.
void order_opensmtpd(std::span<const dns::Target> targets, std::span<const std::uint32_t> inflight_by_address,
                     util::Rng& rng, std::uint32_t limit, std::vector<std::uint32_t>& order);

std::uint64_t sendmail_key(std::uint64_t process_seed, dns::NameId host);

}  // namespace mxsim::mta
