// The text summary is a few fmt tables: messages, latency percentiles,
// per-server load, per-preference-group fairness.
#include "report/writers.hpp"

#include <nlohmann/json.hpp>

#include <fmt/format.h>
#include <fmt/ostream.h>

namespace mxsim::report {
namespace {

std::string seconds(double s) {
  if (s < 1) return fmt::format("{:.1f}ms", s * 1e3);
  if (s < 120) return fmt::format("{:.2f}s", s);
  if (s < 7200) return fmt::format("{:.1f}m", s / 60);
  return fmt::format("{:.2f}h", s / 3600);
}

void latency_row(std::ostream& out, const char* label, const nlohmann::json& h) {
  fmt::print(out, "  {:<10}{:>10}{:>10}{:>10}{:>10}{:>10}{:>10}{:>10}\n", label, h["count"].get<std::uint64_t>(),
             seconds(h["mean"].get<double>()), seconds(h["p50"].get<double>()), seconds(h["p90"].get<double>()),
             seconds(h["p99"].get<double>()), seconds(h["p999"].get<double>()), seconds(h["max"].get<double>()));
}

}  // namespace

void write_text(const nlohmann::json& j, std::ostream& out) {
  fmt::print(out, "mxsim {}: scenario {} (seed {}), {} simulated\n", j["mxsim_version"].get<std::string>(),
             j["scenario"].get<std::string>(), j["seed"].get<std::uint64_t>(), seconds(j["simulated_s"].get<double>()));
  const auto& m = j["messages"];
  fmt::print(out, "\nmessages: {} submitted, {} delivered, {} bounced, {} pending\n",
             m["submitted"].get<std::uint64_t>(), m["delivered"].get<std::uint64_t>(),
             m["bounced"].get<std::uint64_t>(), m["pending"].get<std::uint64_t>());
  std::string bounce_text;
  for (const auto& [reason, n] : j["bounces"].items())
    if (n.get<std::uint64_t>() > 0) bounce_text += fmt::format(" {} {}", reason, n.get<std::uint64_t>());
  if (!bounce_text.empty()) fmt::print(out, "bounces:{}\n", bounce_text);
  const auto& a = j["attempts"];
  fmt::print(out, "attempts: {} connections ({:.3f} per message), {} accepted, {} timeouts, {} refused, {} tempfail\n",
             a["connections"].get<std::uint64_t>(), a["per_message_mean"].get<double>(),
             a["accepted"].get<std::uint64_t>(), a["timeouts"].get<std::uint64_t>(), a["refused"].get<std::uint64_t>(),
             a["tempfail"].get<std::uint64_t>());

  fmt::print(out, "\nlatency     {:>10}{:>10}{:>10}{:>10}{:>10}{:>10}{:>10}\n", "count", "mean", "p50", "p90", "p99",
             "p99.9", "max");
  latency_row(out, "first hop", j["latency_s"]["first_hop"]);
  latency_row(out, "delivery", j["latency_s"]["delivery"]);
  const auto& extra = j["latency_s"]["delivery"]["percentiles"];
  if (!extra.empty()) {
    std::string line;
    for (const auto& [p, v] : extra.items()) line += fmt::format("  p{} {}", p, seconds(v.get<double>()));
    fmt::print(out, "  delivery percentiles:{}\n", line);
  }

  fmt::print(out, "\n{:<28}{:<16}{:>5}{:>10}{:>8}{:>11}{:>9}{:>8}{:>9}{:>6}{:>7}\n", "server", "address", "pref",
             "accepted", "share", "connects", "timeout", "refused", "tempfail", "peak", "util");
  for (const auto& s : j["servers"]) {
    fmt::print(out, "{:<28}{:<16}{:>5}{:>10}{:>7.1f}%{:>11}{:>9}{:>8}{:>9}{:>6}{:>6.1f}%\n", s["host"].get<std::string>(),
               s["address"].get<std::string>(),
               s["preference"].is_null() ? std::string("-") : std::to_string(s["preference"].get<int>()),
               s["accepted"].get<std::uint64_t>(), 100 * s["share"].get<double>(),
               s["connections"].get<std::uint64_t>(), s["timeouts"].get<std::uint64_t>(),
               s["refused"].get<std::uint64_t>(), s["tempfail"].get<std::uint64_t>(), s["peak_sessions"].get<int>(),
               100 * s["utilization"].get<double>());
  }

  if (!j["groups"].empty()) {
    fmt::print(out, "\n{:<24}{:>5}{:>7}{:>10}{:>8}{:>10}{:>9}\n", "domain", "pref", "hosts", "accepted", "jain",
               "max/mean", "chi2 p");
    for (const auto& g : j["groups"]) {
      fmt::print(out, "{:<24}{:>5}{:>7}{:>10}{:>8.4f}{:>10.4f}{:>9.4f}\n", g["domain"].get<std::string>(),
                 g["preference"].get<int>(), g["hosts"].size(), g["accepted"].get<std::uint64_t>(),
                 g["jain_index"].get<double>(), g["max_over_mean"].get<double>(), g["chi2_p"].get<double>());
    }
  }
  for (const auto& w : j["warnings"]) fmt::print(out, "\nwarning: {}", w.get<std::string>());
  if (!j["warnings"].empty()) fmt::print(out, "\n");
}

void write_servers_csv(const nlohmann::json& j, std::ostream& out) {
  out << "host,address,preference,accepted,share,connections,timeouts,refused,tempfail,busy_tempfail,"
         "peak_sessions,utilization\n";
  for (const auto& s : j["servers"]) {
    fmt::print(out, "{},{},{},{},{},{},{},{},{},{},{},{}\n", s["host"].get<std::string>(),
               s["address"].get<std::string>(), s["preference"].is_null() ? std::string() : s["preference"].dump(),
               s["accepted"].dump(), s["share"].dump(), s["connections"].dump(), s["timeouts"].dump(),
               s["refused"].dump(), s["tempfail"].dump(), s["busy_tempfail"].dump(), s["peak_sessions"].dump(),
               s["utilization"].dump());
  }
}

std::string summary_json_text(const nlohmann::json& summary) { return summary.dump(2) + "\n"; }

}  // namespace mxsim::report
