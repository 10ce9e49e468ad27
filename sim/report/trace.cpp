// Trace lines: times rounded to the microsecond like every other output,
// names quoted by the one CSV writer, lines released in start order.
#include "report/trace.hpp"

#include <limits>

#include <fmt/format.h>

#include "report/summary.hpp"
#include "util/csv.hpp"

namespace mxsim::report {

Trace::Trace(std::vector<std::string> groups, std::vector<ServerLabel> servers, std::ostream& out)
    : groups_(std::move(groups)), servers_(std::move(servers)), out_(out) {
  out_ << "start_s,message,sender,mta,address,host,outcome,duration_s\n";
}

// The model starts an attempt right after telling of its connection, at the
// same instant: the start time identifies the attempt until it ends.
void Trace::connection(double t, std::uint32_t) { ++open_[t]; }

void Trace::attempt_ended(const model::AttemptEnd& a) {
  const auto& server = servers_[a.server];
  ended_.emplace(a.start, util::CsvLine{}
                              .raw(fmt::format("{}", round6(a.start)))
                              .raw(fmt::format("{}", a.message))
                              .text(groups_[a.group])
                              .raw(fmt::format("{}", a.mta))
                              .text(server.address)
                              .text(server.host)
                              .raw(outcome_name(a.outcome))
                              .raw(fmt::format("{}", round6(a.end - a.start)))
                              .finish());
  if (const auto it = open_.find(a.start); it != open_.end() && --it->second == 0) open_.erase(it);
  flush();
}

void Trace::flush() {
  const double first_open = open_.empty() ? std::numeric_limits<double>::infinity() : open_.begin()->first;
  auto it = ended_.begin();
  for (; it != ended_.end() && it->first <= first_open; ++it) out_ << it->second;
  ended_.erase(ended_.begin(), it);
}

void Trace::finish() {
  for (const auto& [start, line] : ended_) out_ << line;
  ended_.clear();
  open_.clear();
}

}  // namespace mxsim::report
