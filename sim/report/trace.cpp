// Trace lines: times rounded to the microsecond like every other output.
#include "report/trace.hpp"

#include <fmt/format.h>

#include "report/summary.hpp"

namespace mxsim::report {

Trace::Trace(std::vector<std::string> groups, std::vector<ServerLabel> servers, std::ostream& out)
    : groups_(std::move(groups)), servers_(std::move(servers)), out_(out) {
  out_ << "start_s,message,sender,mta,address,host,outcome,duration_s\n";
}

void Trace::attempt_ended(const model::AttemptEnd& a) {
  const auto& server = servers_[a.server];
  out_ << fmt::format("{},{},{},{},{},{},{},{}\n", round6(a.start), a.message, groups_[a.group], a.mta,
                      server.address, server.host, outcome_name(a.outcome), round6(a.end - a.start));
}

}  // namespace mxsim::report
