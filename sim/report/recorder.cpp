// The fan-out to the statistics, the time series and the trace.
#include "report/recorder.hpp"

#include "model/world.hpp"

namespace mxsim::report {
namespace {

std::vector<ServerLabel> server_labels(const model::World& world) {
  std::vector<ServerLabel> labels;
  for (std::uint32_t s = 0; s < world.server_count(); ++s)
    labels.push_back({.host = world.server_host(s),
                      .address = world.server_address(s),
                      .mail_target = world.topology().servers()[s].mail_target});
  return labels;
}

// Every preference level of every recipient domain, in the order the summary
// reads them back: each host with every address its name owns.
StatsSetup stats_setup(const model::World& world) {
  StatsSetup setup{.sessions = {},
                   .sender_groups = world.scenario().senders.size(),
                   .bin = world.scenario().report.bin,
                   .levels = {}};
  for (std::uint32_t s = 0; s < world.server_count(); ++s)
    setup.sessions.push_back(static_cast<double>(world.server_spec(s).sessions));
  const auto& topology = world.topology();
  for (const auto& domain : topology.domains())
    for (const auto& level : domain.levels) {
      LevelHosts hosts;
      for (const auto& host : level.hosts) hosts.push_back(topology.servers_named(host));
      setup.levels.push_back(std::move(hosts));
    }
  return setup;
}

}  // namespace

Recorder::Recorder(const model::World& world, const Outputs& outputs)
    : world_(world), stats_(stats_setup(world)), applied_(world.scenario()) {
  if (outputs.timeseries || outputs.queue)
    timeseries_ = std::make_unique<TimeSeries>(server_labels(world), world.scenario().report.bin, outputs.timeseries,
                                               outputs.queue);
  if (outputs.trace) {
    std::vector<std::string> groups;
    for (std::uint32_t g = 0; g < world.group_count(); ++g) groups.push_back(world.group_name(g));
    trace_ = std::make_unique<Trace>(std::move(groups), server_labels(world), *outputs.trace);
  }
}

void Recorder::submitted(double t) {
  stats_.submitted(t);
  if (timeseries_) timeseries_->submitted(t);
}

void Recorder::connection(double t, std::uint32_t server) {
  stats_.connection(t, server);
  if (timeseries_) timeseries_->connection(t, server);
  if (trace_) trace_->connection(t, server);
}

void Recorder::connection_closed(double t, std::uint32_t server, std::uint32_t messages) {
  stats_.connection_closed(t, server, messages);
  if (timeseries_) timeseries_->connection_closed(t, server, messages);
}

void Recorder::attempt_ended(const model::AttemptEnd& attempt) {
  stats_.attempt_ended(attempt);
  if (timeseries_) timeseries_->attempt_ended(attempt);
  if (trace_) trace_->attempt_ended(attempt);
}

void Recorder::session_started(double t, std::uint32_t server) {
  stats_.session_started(t, server);
  if (timeseries_) timeseries_->session_started(t, server);
}

void Recorder::session_ended(double t, std::uint32_t server) {
  stats_.session_ended(t, server);
  if (timeseries_) timeseries_->session_ended(t, server);
}

void Recorder::first_hop(double t, std::uint32_t group, double latency) { stats_.first_hop(t, group, latency); }

void Recorder::delivered(double t, std::uint32_t group, double latency) {
  stats_.delivered(t, group, latency);
  if (timeseries_) timeseries_->delivered(t, group, latency);
}

void Recorder::bounced(double t, BounceReason reason) {
  stats_.bounced(t, reason);
  if (timeseries_) timeseries_->bounced(t, reason);
}

void Recorder::deferred(double t) {
  stats_.deferred(t);
  if (timeseries_) timeseries_->deferred(t);
}

void Recorder::retry_started(double t) {
  stats_.retry_started(t);
  if (timeseries_) timeseries_->retry_started(t);
}

void Recorder::server_state(double t, std::uint32_t server, bool up) { stats_.server_state(t, server, up); }

void Recorder::fault_began(double t, std::uint32_t event) { applied_.fault_began(t, event); }

void Recorder::fault_ended(double t, std::uint32_t event) { applied_.fault_ended(t, event); }

Summary Recorder::finish(const RunInfo& run) {
  stats_.finish(run.end);
  if (timeseries_) timeseries_->finish(run.end);
  if (trace_) trace_->finish();
  return summarize(stats_, applied_, world_, run);
}

}  // namespace mxsim::report
