// An MTA's reports to its selection policy, and host memory.
#include "model/sender.hpp"

#include <algorithm>

namespace mxsim::model {

void Mta::drop_self_and_worse(std::vector<dns::Target>& targets) const {
  if (self_server < 0) return;
  int own = -1;
  for (const auto& t : targets)
    if (static_cast<int>(t.address) == self_server && (own < 0 || t.preference < own)) own = t.preference;
  if (own < 0) return;
  std::erase_if(targets, [own](const dns::Target& t) { return t.preference >= own; });
}

void Mta::connection_ended(std::uint32_t server, Outcome outcome, double start, double now) {
  // Greylisting and 5xx concern the message: the host answered.
  const auto result = outcome == Outcome::accepted  ? selection::Result::success
                      : outcome == Outcome::timeout ? selection::Result::timeout
                      : outcome == Outcome::refused ? selection::Result::refused
                      : outcome == Outcome::greylisted || outcome == Outcome::rejected
                          ? selection::Result::answered
                          : selection::Result::tempfail;
  policy->on_attempt_end(server, now, result, now - start);
}

bool Mta::remember(std::uint32_t server, Outcome outcome, const mta::Profile& profile, std::size_t servers,
                   std::uint64_t process, double received, double now) {
  if (profile.memory == mta::HostMemory::none || profile.memory == mta::HostMemory::dead_destination) return false;
  if (outcome == Outcome::accepted) {
    if (server < hosts.size()) {  // forgotten; a try in progress and its waiters stay
      auto& h = hosts[server];
      h.skip_until = 0;
      h.process = 0;
      h.penalty = 0;
      h.exim.reset();
    }
    return false;
  }
  // Only the host's own failures count: greylisting and 5xx concern the message.
  if (!host_failed(outcome)) return false;
  if (hosts.empty()) hosts.resize(servers);
  auto& h = hosts[server];
  switch (profile.memory) {
    case mta::HostMemory::retry_records: {
      // retry.c: the record is updated once per try that reached the host;
      // a host whose retry time has not come is skipped without a try.
      const auto failure = mta::on_host_failure(h.exim, now, received);
      h.exim = failure.record;
      return failure.timed_out;
    }
    case mta::HostMemory::host_status:
      h.skip_until = now + profile.host_status_timeout;
      h.process = process;
      break;
    case mta::HostMemory::route_penalty:
      ++h.penalty;
      h.skip_until = now + std::min(profile.penalty_unit * h.penalty * h.penalty, profile.penalty_max);
      break;
    default: break;
  }
  return false;
}

}  // namespace mxsim::model
