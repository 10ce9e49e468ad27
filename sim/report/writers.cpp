// summary.json as nlohmann builds it (keys sorted), servers.csv through the
// one CSV writer, and the text summary as a few fmt tables: messages, latency
// percentiles, per-server load, per-preference-group fairness, the events.
#include "report/writers.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include <fmt/format.h>
#include <fmt/ostream.h>

#include "util/csv.hpp"

namespace mxsim::report {
namespace {

nlohmann::json latency_json(const Latency& l) {
  nlohmann::json more = nlohmann::json::object();
  for (const auto& [label, value] : l.percentiles) more[label] = value;
  return {{"count", l.count}, {"mean", l.mean},   {"p50", l.p50},          {"p90", l.p90},
          {"p99", l.p99},     {"p999", l.p999},   {"max", l.max},          {"percentiles", more}};
}

// A number as summary.json writes it (servers.csv repeats it exactly).
std::string json_number(double x) { return nlohmann::json(x).dump(); }

std::string seconds(double s) {
  if (s < 1) return fmt::format("{:.1f}ms", s * 1e3);
  if (s < 120) return fmt::format("{:.2f}s", s);
  if (s < 7200) return fmt::format("{:.1f}m", s / 60);
  return fmt::format("{:.2f}h", s / 3600);
}

void latency_row(std::ostream& out, const char* label, const Latency& h) {
  fmt::print(out, "  {:<10}{:>10}{:>10}{:>10}{:>10}{:>10}{:>10}{:>10}\n", label, h.count, seconds(h.mean),
             seconds(h.p50), seconds(h.p90), seconds(h.p99), seconds(h.p999), seconds(h.max));
}

}  // namespace

nlohmann::json to_json(const Summary& s) {
  nlohmann::json j;
  j["mxsim_version"] = s.mxsim_version;
  j["scenario"] = s.scenario;
  j["scenario_path"] = s.scenario_path;
  j["scenario_sha256"] = s.scenario_sha256;
  j["zone_sha256"] = s.zone_sha256;
  j["description"] = s.description;
  j["seed"] = s.seed;
  j["simulated_s"] = s.simulated_s;
  j["wall_s"] = s.wall_s;
  j["complete"] = s.complete;
  j["messages"] = {{"submitted", s.messages.submitted},
                   {"delivered", s.messages.delivered},
                   {"bounced", s.messages.bounced},
                   {"pending", s.messages.pending}};
  j["latency_s"] = {{"first_hop", latency_json(s.first_hop)}, {"delivery", latency_json(s.delivery)}};
  j["latency_cdf"] = {{"percentiles", s.latency_cdf.percentiles},
                      {"first_hop_s", s.latency_cdf.first_hop_s},
                      {"delivery_s", s.latency_cdf.delivery_s}};
  nlohmann::json attempts = nlohmann::json::object();
  for (const auto& field : kServerCounterFields)
    if (field.shows(kInAttempts)) attempts[field.name] = s.attempts.totals.*field.value;
  attempts["per_message_mean"] = s.attempts.per_message_mean;
  attempts["messages_per_connection"] = s.attempts.messages_per_connection;
  j["attempts"] = attempts;

  auto servers = nlohmann::json::array();
  for (const auto& row : s.servers) {
    nlohmann::json r = {{"host", row.host},
                        {"address", row.address},
                        {"preference", row.preference ? nlohmann::json(*row.preference) : nlohmann::json(nullptr)},
                        {"share", row.share},
                        {"busy_session_s", row.busy_session_s},
                        {"up_s", row.up_s},
                        {"utilization", row.utilization},
                        {"utilization_peak_bin", row.utilization_peak_bin}};
    for (const auto& field : kServerCounterFields) r[field.name] = row.counters.*field.value;
    servers.push_back(std::move(r));
  }
  j["servers"] = servers;
  auto groups = nlohmann::json::array();
  for (const auto& g : s.groups) {
    groups.push_back({{"domain", g.domain},
                      {"preference", g.preference},
                      {"hosts", g.hosts},
                      {"accepted", g.accepted},
                      {"accepted_while_up", g.accepted_while_up},
                      {"jain_index", g.jain_index},
                      {"max_over_mean", g.max_over_mean},
                      {"chi2_p", g.chi2_p}});
  }
  j["groups"] = groups;
  auto senders = nlohmann::json::array();
  for (const auto& sender : s.senders) {
    senders.push_back({{"name", sender.name},
                       {"profile", sender.profile},
                       {"first_hop", latency_json(sender.first_hop)},
                       {"delivery", latency_json(sender.delivery)}});
  }
  j["senders"] = senders;
  nlohmann::json bounces = nlohmann::json::object();
  for (int r = 0; r < kBounceReasons; ++r)
    bounces[bounce_name(static_cast<BounceReason>(r))] = s.bounces[static_cast<std::size_t>(r)];
  j["bounces"] = bounces;
  auto windows = nlohmann::json::array();
  for (const auto& w : s.fault_windows)
    windows.push_back({{"event", w.event}, {"fault", w.fault}, {"target", w.target}, {"start_s", w.start_s},
                       {"end_s", w.end_s}, {"until_end", w.until_end}});
  j["fault_windows"] = windows;
  // Only when the list was cut: summaries of runs with fewer windows keep their shape.
  if (s.fault_windows_more > 0) j["fault_windows_more"] = s.fault_windows_more;
  auto zone_changes = nlohmann::json::array();
  for (const auto& z : s.zone_changes) zone_changes.push_back({{"event", z.event}, {"at_s", z.at_s}, {"zone", z.zone}});
  j["zone_changes"] = zone_changes;
  j["warnings"] = s.warnings;
  return j;
}

std::string summary_json_text(const Summary& summary) { return to_json(summary).dump(2) + "\n"; }

void write_text(const Summary& j, std::ostream& out) {
  fmt::print(out, "mxsim {}: scenario {} (seed {}), {} simulated\n", j.mxsim_version, j.scenario, j.seed,
             seconds(j.simulated_s));
  const auto& m = j.messages;
  fmt::print(out, "\nmessages: {} submitted, {} delivered, {} bounced, {} pending\n", m.submitted, m.delivered,
             m.bounced, m.pending);
  // Reasons in the order of their names, as summary.json lists them.
  std::vector<std::pair<std::string, std::uint64_t>> bounces;
  for (int r = 0; r < kBounceReasons; ++r)
    bounces.emplace_back(bounce_name(static_cast<BounceReason>(r)), j.bounces[static_cast<std::size_t>(r)]);
  std::sort(bounces.begin(), bounces.end());
  std::string bounce_text;
  for (const auto& [reason, n] : bounces)
    if (n > 0) bounce_text += fmt::format(" {} {}", reason, n);
  if (!bounce_text.empty()) fmt::print(out, "bounces:{}\n", bounce_text);
  std::string attempts = "attempts:";
  for (const auto& field : kServerCounterFields) {
    if (!field.shows(kInAttemptsLine)) continue;
    attempts += fmt::format("{} {} {}", attempts.back() == ':' ? "" : ",", j.attempts.totals.*field.value, field.name);
    if (field.value == &ServerCounters::connections)
      attempts += fmt::format(" ({:.3f} per message)", j.attempts.per_message_mean);
  }
  fmt::print(out, "{}\n", attempts);

  fmt::print(out, "\nlatency     {:>10}{:>10}{:>10}{:>10}{:>10}{:>10}{:>10}\n", "count", "mean", "p50", "p90", "p99",
             "p99.9", "max");
  latency_row(out, "first hop", j.first_hop);
  latency_row(out, "delivery", j.delivery);
  if (!j.delivery.percentiles.empty()) {
    std::string line;
    for (const auto& [p, v] : j.delivery.percentiles) line += fmt::format("  p{} {}", p, seconds(v));
    fmt::print(out, "  delivery percentiles:{}\n", line);
  }

  fmt::print(out, "\n{:<28}{:<16}{:>5}{:>10}{:>8}", "server", "address", "pref", "accepted", "share");
  for (const auto& field : kServerCounterFields)
    if (field.shows(kInServerTable)) fmt::print(out, "{:>{}}", field.column, field.width);
  fmt::print(out, "{:>7}{:>7}\n", "util", "peak%");
  for (const auto& s : j.servers) {
    fmt::print(out, "{:<28}{:<16}{:>5}{:>10}{:>7.1f}%", s.host, s.address,
               s.preference ? std::to_string(*s.preference) : std::string("-"), s.counters.accepted, 100 * s.share);
    for (const auto& field : kServerCounterFields)
      if (field.shows(kInServerTable)) fmt::print(out, "{:>{}}", s.counters.*field.value, field.width);
    fmt::print(out, "{:>6.1f}%{:>6.1f}%\n", 100 * s.utilization, 100 * s.utilization_peak_bin);
  }

  if (!j.groups.empty()) {
    fmt::print(out, "\n{:<24}{:>5}{:>7}{:>10}{:>8}{:>10}{:>9}\n", "domain", "pref", "hosts", "accepted", "jain",
               "max/mean", "chi2 p");
    for (const auto& g : j.groups) {
      fmt::print(out, "{:<24}{:>5}{:>7}{:>10}{:>8.4f}{:>10.4f}{:>9.4f}\n", g.domain, g.preference, g.hosts.size(),
                 g.accepted, g.jain_index, g.max_over_mean, g.chi2_p);
    }
  }
  if (!j.fault_windows.empty() || !j.zone_changes.empty()) fmt::print(out, "\nevents as applied:\n");
  for (const auto& w : j.fault_windows)
    fmt::print(out, "  {:>10} - {:<10} {} {}{}\n", seconds(w.start_s), seconds(w.end_s), w.fault, w.target,
               w.until_end ? " (until the end)" : "");
  if (j.fault_windows_more > 0) fmt::print(out, "  ... and {} more fault windows\n", j.fault_windows_more);
  for (const auto& z : j.zone_changes) fmt::print(out, "  {:>10}   {:<10} zone update (event {})\n", seconds(z.at_s), "", z.event);
  for (const auto& w : j.warnings) fmt::print(out, "\nwarning: {}", w);
  if (!j.warnings.empty()) fmt::print(out, "\n");
}

void write_servers_csv(const Summary& j, std::ostream& out) {
  util::CsvLine header;
  header.raw("host").raw("address").raw("preference").raw("accepted").raw("share");
  for (const auto& field : kServerCounterFields)
    if (field.shows(kInServersCsv)) header.raw(field.name);
  out << header.raw("utilization").raw("utilization_peak_bin").raw("busy_session_s").raw("up_s").finish();
  for (const auto& s : j.servers) {
    util::CsvLine line;
    line.text(s.host).text(s.address).raw(s.preference ? std::to_string(*s.preference) : std::string());
    line.raw(std::to_string(s.counters.accepted)).raw(json_number(s.share));
    for (const auto& field : kServerCounterFields)
      if (field.shows(kInServersCsv)) line.raw(std::to_string(s.counters.*field.value));
    line.raw(json_number(s.utilization)).raw(json_number(s.utilization_peak_bin));
    out << line.raw(json_number(s.busy_session_s)).raw(json_number(s.up_s)).finish();
  }
}

}  // namespace mxsim::report
