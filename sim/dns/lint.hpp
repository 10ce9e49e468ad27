// Checks of a zone's MX data that operators know from named-checkzone and
// Zonemaster. Each finding has a stable check name and cites its RFC.
#pragma once

#include <string>
#include <vector>

#include "dns/zone.hpp"

namespace mxsim::dns {

struct Finding {
  std::string check;    // stable name, e.g. "mx-cname"
  std::string severity; // "error" or "warning"
  Location where;       // the offending record
  std::string message;  // what is wrong, why it matters, and the RFC
};

// Checks: mx-cname (RFC 2181 §10.3), mx-no-address (RFC 5321 §5.1),
// null-mx-with-others and null-mx-preference (RFC 7505 §3), duplicate-mx.
std::vector<Finding> lint_zone(const ZoneDb& db);

}  // namespace mxsim::dns
