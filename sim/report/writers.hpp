// The files and text made from a run's summary: summary.json, servers.csv
// and the human summary. Only here does the summary become text.
#pragma once

#include <ostream>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "report/summary.hpp"

namespace mxsim::report {

nlohmann::json to_json(const Summary& summary);
// summary.json: two-space indented, keys sorted (stable across runs).
std::string summary_json_text(const Summary& summary);
void write_text(const Summary& summary, std::ostream& out);
void write_servers_csv(const Summary& summary, std::ostream& out);

}  // namespace mxsim::report
