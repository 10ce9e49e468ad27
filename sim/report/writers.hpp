// Turning a run's summary (summary.json's content) into the human summary
// and the CSV files of the contract.
#pragma once

#include <ostream>
#include <string>

#include <nlohmann/json_fwd.hpp>

namespace mxsim::report {

void write_text(const nlohmann::json& summary, std::ostream& out);
void write_servers_csv(const nlohmann::json& summary, std::ostream& out);
// summary.json: two-space indented, keys sorted (stable across runs).
std::string summary_json_text(const nlohmann::json& summary);

}  // namespace mxsim::report
