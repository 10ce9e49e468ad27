// Checks of a zone's MX data that operators know from named-checkzone and
// Zonemaster. Each finding has a stable check name and cites its RFC.
#pragma once

#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "dns/zone.hpp"

namespace mxsim::dns {

// A fact about a finding for machine readers (`validate --format json`):
// the domain, the MX target, an address, a capacity. Numbers stay numbers.
using Fact = std::pair<std::string, std::variant<std::string, double, long long, bool>>;

struct Finding {
  std::string check;    // stable name, e.g. "mx-cname"
  std::string severity; // "error" or "warning"
  Location where;       // the offending record
  std::string message;  // what is wrong, why it matters, and the RFC
  std::string rfc;      // the reference the message cites, e.g. "RFC 2181 §10.3"
  std::vector<Fact> facts;
};

// Checks of every MX RRset in the zone's current state:
//   mx-cname            the target is an alias (RFC 2181 §10.3)
//   mx-no-address       the target has no A/AAAA; fact in_zone tells a name
//                       inside the zone from one outside it (RFC 5321 §5.1)
//   mx-target-address   the target is an IP address (RFC 1035 §3.3.9)
//   null-mx-with-others, null-mx-preference (RFC 7505 §3)
//   duplicate-mx        one target listed twice (RFC 2181 §5)
//   mx-shared-address   two MX names on one address (RFC 5321 §5.1)
//   mx-same-subnet      every MX address in one /24 or /48 (RFC 2182 §3.1)
std::vector<Finding> lint_zone(const ZoneDb& db);

// The network an address sits in for mx-same-subnet: "192.0.2.0/24" for
// IPv4, "2001:db8:1::/48" for IPv6; empty for text that is no address.
std::string subnet_of(const std::string& address);

}  // namespace mxsim::dns
