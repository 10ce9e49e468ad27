// The whole lint of `mxsim validate`: the zone checks of dns::lint_zone on
// the zone and on each state its zone-update events lead to, plus the checks
// that need the scenario (who sends to which domain, how big each server is).
#pragma once

#include <string>
#include <vector>

#include "dns/lint.hpp"
#include "dns/zone.hpp"
#include "scenario/scenario.hpp"

namespace mxsim::lint {

// One check as `mxsim validate --help` and the README list it.
struct Check {
  const char* name;      // stable: scripts and CI match on it
  const char* severity;  // "error" or "warning"
  const char* rfc;
  const char* summary;
};
const std::vector<Check>& checks();

// Scenario checks beside the zone's:
//   no-mx            a domain the senders write to has no MX: implicit MX on its
//                    own address (warning), or no mail target at all (error)
//   backup-capacity  the next MX level cannot take the domain's mail rate when
//                    the best level is down: sessions / mean session time
//   relay-loop       a role: relay server that is among the best MX of a domain
//                    it serves: it drops its own level and worse, and has no
//                    better host to forward to
// Findings in file order (zone file findings first when the zone is a file).
std::vector<dns::Finding> lint_scenario(const scenario::Scenario& s, const dns::ZoneDb& db);

}  // namespace mxsim::lint
