// The comparison tables. Numbers are written from the summaries' rounded
// values with fmt's shortest form, so that the same runs give the same bytes.
#include "compare/compare.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace mxsim::compare {
namespace {

double number(const nlohmann::json& j, const char* key) {
  if (!j.contains(key) || !j[key].is_number())
    throw std::runtime_error(fmt::format("summary.json: missing number \"{}\"", key));
  return j[key].get<double>();
}

std::uint64_t count(const nlohmann::json& j, const char* key) {
  if (!j.contains(key) || !j[key].is_number())
    throw std::runtime_error(fmt::format("summary.json: missing count \"{}\"", key));
  return j[key].get<std::uint64_t>();
}

// Three significant digits, no exponent in the range mail latencies and
// rates live in.
std::string shown(double x) {
  if (std::isnan(x)) return "n/a";
  if (x == 0) return "0";
  const double magnitude = std::fabs(x);
  if (magnitude < 1e-4 || magnitude >= 1e7) return fmt::format("{:.2e}", x);
  const int decimals = std::max(0, 2 - static_cast<int>(std::floor(std::log10(magnitude))));
  return fmt::format("{:.{}f}", x, decimals);
}

std::string with_interval(const Interval& i) {
  if (i.n == 0) return "-";
  if (std::isnan(i.half_width)) return shown(i.mean);
  // Equal values give a half-width of rounding noise: show it as 0.
  const double width = i.half_width < 1e-9 * std::max(1.0, std::fabs(i.mean)) ? 0.0 : i.half_width;
  return fmt::format("{} ± {}", shown(i.mean), shown(width));
}

struct Column {
  const char* title;
  double Metrics::*field;
};

constexpr Column kColumns[] = {
    {"first-hop p50 (s)", &Metrics::first_hop_p50},   {"first-hop p99 (s)", &Metrics::first_hop_p99},
    {"delivery p50 (s)", &Metrics::delivery_p50},     {"delivery p99 (s)", &Metrics::delivery_p99},
    {"timeouts/msg", &Metrics::timeouts_per_message}, {"421s/msg", &Metrics::tempfail_per_message},
    {"max/mean", &Metrics::best_max_over_mean},       {"Jain", &Metrics::best_jain},
};

}  // namespace

Metrics metrics_of(const nlohmann::json& s) {
  Metrics m;
  const auto& messages = s.at("messages");
  m.submitted = count(messages, "submitted");
  m.delivered = count(messages, "delivered");
  m.bounced = count(messages, "bounced");
  m.pending = count(messages, "pending");
  const auto& first_hop = s.at("latency_s").at("first_hop");
  const auto& delivery = s.at("latency_s").at("delivery");
  m.first_hop_p50 = number(first_hop, "p50");
  m.first_hop_p99 = number(first_hop, "p99");
  m.delivery_p50 = number(delivery, "p50");
  m.delivery_p99 = number(delivery, "p99");
  m.delivery_mean = number(delivery, "mean");
  const auto& attempts = s.at("attempts");
  const double submitted = m.submitted > 0 ? static_cast<double>(m.submitted) : 1.0;
  m.timeouts_per_message = number(attempts, "timeouts") / submitted;
  m.tempfail_per_message = number(attempts, "tempfail") / submitted;
  m.connections_per_message = number(attempts, "per_message_mean");
  // The best level of the first domain listed (groups come per domain, best first).
  const auto& groups = s.at("groups");
  if (!groups.empty()) {
    const auto domain = groups[0].at("domain").get<std::string>();
    const nlohmann::json* best = nullptr;
    for (const auto& g : groups)
      if (g.at("domain") == domain && (!best || g.at("preference").get<int>() < best->at("preference").get<int>()))
        best = &g;
    m.best_max_over_mean = number(*best, "max_over_mean");
    m.best_jain = number(*best, "jain_index");
    const auto preference = best->at("preference").get<int>();
    const auto& hosts = best->at("hosts");
    for (const auto& server : s.at("servers")) {
      if (!server.at("preference").is_number() || server.at("preference").get<int>() != preference) continue;
      if (std::find(hosts.begin(), hosts.end(), server.at("host")) == hosts.end()) continue;
      m.best_max_utilization = std::max(m.best_max_utilization, number(server, "utilization"));
    }
  }
  return m;
}

Comparison::Comparison(std::vector<std::string> scenario_names, std::vector<std::string> scenario_descriptions,
                       std::vector<std::string> policy_names, std::vector<std::uint64_t> replication_seeds)
    : scenarios(std::move(scenario_names)),
      descriptions(std::move(scenario_descriptions)),
      policies(std::move(policy_names)),
      seeds(std::move(replication_seeds)) {
  descriptions.resize(scenarios.size());
  cells.assign(scenarios.size(), std::vector<std::vector<Cell>>(policies.size(), std::vector<Cell>(seeds.size())));
  for (auto& by_policy : cells)
    for (auto& by_seed : by_policy)
      for (std::size_t r = 0; r < seeds.size(); ++r) by_seed[r].seed = seeds[r];
}

double t_975(int dof) {
  static constexpr double kTable[] = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
                                      2.201,  2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
                                      2.080,  2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042};
  if (dof < 1) return std::numeric_limits<double>::quiet_NaN();
  if (dof <= 30) return kTable[dof - 1];
  // Beyond the table: linear in 1/dof through 40, 60, 120 and infinity.
  static constexpr double kDof[] = {30, 40, 60, 120};
  static constexpr double kT[] = {2.042, 2.021, 2.000, 1.980};
  const double x = 1.0 / dof;
  for (int i = 0; i < 3; ++i) {
    if (dof <= kDof[i + 1]) {
      const double x0 = 1 / kDof[i], x1 = 1 / kDof[i + 1];
      return kT[i] + (kT[i + 1] - kT[i]) * (x - x0) / (x1 - x0);
    }
  }
  return 1.960 + (1.980 - 1.960) * x / (1.0 / 120);
}

Interval mean_interval(std::span<const double> values) {
  Interval out;
  out.n = values.size();
  if (values.empty()) return out;
  double sum = 0;
  for (double v : values) sum += v;
  out.mean = sum / static_cast<double>(values.size());
  if (values.size() < 2) {
    out.half_width = std::numeric_limits<double>::quiet_NaN();
    return out;
  }
  double squares = 0;
  for (double v : values) squares += (v - out.mean) * (v - out.mean);
  const double sd = std::sqrt(squares / static_cast<double>(values.size() - 1));
  out.half_width = t_975(static_cast<int>(values.size()) - 1) * sd / std::sqrt(static_cast<double>(values.size()));
  return out;
}

std::string csv(const Comparison& c, const std::string& footer) {
  std::string out =
      "scenario,policy,seed,status,submitted,delivered,bounced,pending,first_hop_p50_s,first_hop_p99_s,"
      "delivery_p50_s,delivery_p99_s,delivery_mean_s,timeouts_per_message,tempfail_per_message,"
      "connections_per_message,best_max_over_mean,best_jain,best_max_utilization\n";
  for (std::size_t s = 0; s < c.scenarios.size(); ++s) {
    for (std::size_t p = 0; p < c.policies.size(); ++p) {
      for (const auto& cell : c.cells[s][p]) {
        if (cell.status.empty()) continue;
        out += fmt::format("{},{},{},{}", c.scenarios[s], c.policies[p], cell.seed, cell.status);
        if (cell.metrics) {
          const auto& m = *cell.metrics;
          out += fmt::format(",{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", m.submitted, m.delivered, m.bounced,
                             m.pending, m.first_hop_p50, m.first_hop_p99, m.delivery_p50, m.delivery_p99,
                             m.delivery_mean, m.timeouts_per_message, m.tempfail_per_message,
                             m.connections_per_message, m.best_max_over_mean, m.best_jain, m.best_max_utilization);
        } else {
          out += std::string(15, ',') + "\n";
        }
      }
    }
  }
  if (!footer.empty()) out += "# " + footer + "\n";
  return out;
}

std::string markdown(const Comparison& c, const std::string& baseline, const std::string& note) {
  std::string out;
  if (!note.empty()) out += fmt::format("**{}**\n\n", note);
  const auto base = std::find(c.policies.begin(), c.policies.end(), baseline) - c.policies.begin();
  const bool paired = static_cast<std::size_t>(base) < c.policies.size();
  for (std::size_t s = 0; s < c.scenarios.size(); ++s) {
    out += fmt::format("### {}\n\n", c.scenarios[s]);
    if (!c.descriptions[s].empty()) out += c.descriptions[s] + "\n\n";
    out += fmt::format("{} replications per policy (seeds {}..{}); mean ± half-width of the 95% confidence interval "
                       "(Student t, n - 1 dof).\n\n",
                       c.seeds.size(), c.seeds.empty() ? 0 : c.seeds.front(), c.seeds.empty() ? 0 : c.seeds.back());
    out += "| policy |";
    for (const auto& col : kColumns) out += fmt::format(" {} |", col.title);
    if (paired) out += fmt::format(" Δ delivery p99 vs {} (paired) |", baseline);
    out += "\n|---|";
    for (std::size_t i = 0; i < std::size(kColumns); ++i) out += "---|";
    if (paired) out += "---|";
    out += "\n";
    for (std::size_t p = 0; p < c.policies.size(); ++p) {
      const auto& runs = c.cells[s][p];
      std::size_t ok = 0;
      for (const auto& cell : runs) ok += cell.metrics ? 1 : 0;
      out += fmt::format("| {}{} |", c.policies[p], ok == runs.size() ? "" : fmt::format(" (n={})", ok));
      std::vector<double> values;
      for (const auto& col : kColumns) {
        values.clear();
        for (const auto& cell : runs)
          if (cell.metrics) values.push_back((*cell.metrics).*col.field);
        out += fmt::format(" {} |", with_interval(mean_interval(values)));
      }
      if (paired) {
        if (static_cast<std::ptrdiff_t>(p) == base) {
          out += " baseline |";
        } else {
          values.clear();
          const auto& base_runs = c.cells[s][static_cast<std::size_t>(base)];
          for (std::size_t r = 0; r < runs.size(); ++r)
            if (runs[r].metrics && base_runs[r].metrics)
              values.push_back(runs[r].metrics->delivery_p99 - base_runs[r].metrics->delivery_p99);
          const auto i = mean_interval(values);
          std::string verdict;
          if (i.n >= 2 && !std::isnan(i.half_width))
            verdict = i.mean + i.half_width < 0 ? " (better)" : i.mean - i.half_width > 0 ? " (worse)" : " (n.s.)";
          out += fmt::format(" {}{} |", with_interval(i), verdict);
        }
      }
      out += "\n";
    }
    out += "\n";
  }
  out += "Columns: latency percentiles from submission (first 250 from any MX; delivery to a final server); "
         "timeouts and 421 answers per submitted message; max/mean and Jain's index of the accepted messages over "
         "the hosts of the first domain's best preference level. The paired difference subtracts the baseline's "
         "delivery p99 run by run (same seed, same arrivals): better/worse when its 95% interval excludes 0, "
         "n.s. otherwise.\n";
  return out;
}

}  // namespace mxsim::compare
