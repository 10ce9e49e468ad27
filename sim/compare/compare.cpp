// The comparison tables. Numbers are written from the summaries' rounded
// values with fmt's shortest form, so that the same runs give the same bytes.
// Student's t comes from Boost.Math; every CSV line from util::CsvLine.
#include "compare/compare.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include <boost/math/distributions/students_t.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "util/csv.hpp"

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
  return fmt::format("{} ± {}", shown(i.mean), shown(i.half_width));
}

std::string number_text(double x) { return std::isnan(x) ? std::string() : fmt::format("{}", x); }

// The runs of one scenario and policy, and their paired baseline runs.
std::vector<double> values_of(const std::vector<Cell>& runs, double Metrics::*field) {
  std::vector<double> out;
  for (const auto& cell : runs)
    if (cell.metrics) out.push_back((*cell.metrics).*field);
  return out;
}

std::vector<double> differences(const std::vector<Cell>& runs, const std::vector<Cell>& base, double Metrics::*field) {
  std::vector<double> out;
  for (std::size_t r = 0; r < runs.size(); ++r)
    if (runs[r].metrics && base[r].metrics) out.push_back((*runs[r].metrics).*field - (*base[r].metrics).*field);
  return out;
}

// The markdown table's columns.
constexpr double Metrics::*kTableFields[] = {
    &Metrics::first_hop_p50,        &Metrics::first_hop_p99,        &Metrics::delivery_p50,
    &Metrics::delivery_p99,         &Metrics::timeouts_per_message, &Metrics::tempfail_per_message,
    &Metrics::max_over_mean_best_level, &Metrics::jain_index_best_level,
};

const MetricColumn& column_of(double Metrics::*field) {
  for (const auto& c : metric_columns())
    if (c.field == field) return c;
  throw std::logic_error("compare: a table field without a metric column");
}

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
    m.max_over_mean_best_level = number(*best, "max_over_mean");
    m.jain_index_best_level = number(*best, "jain_index");
    const auto preference = best->at("preference").get<int>();
    const auto& hosts = best->at("hosts");
    for (const auto& server : s.at("servers")) {
      if (!server.at("preference").is_number() || server.at("preference").get<int>() != preference) continue;
      if (std::find(hosts.begin(), hosts.end(), server.at("host")) == hosts.end()) continue;
      m.utilization_max_best_level = std::max(m.utilization_max_best_level, number(server, "utilization"));
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

const std::vector<MetricColumn>& metric_columns() {
  static const std::vector<MetricColumn> columns{
      {"first_hop_p50_s", "first-hop p50 (s)", &Metrics::first_hop_p50},
      {"first_hop_p99_s", "first-hop p99 (s)", &Metrics::first_hop_p99},
      {"delivery_p50_s", "delivery p50 (s)", &Metrics::delivery_p50},
      {"delivery_p99_s", "delivery p99 (s)", &Metrics::delivery_p99},
      {"delivery_mean_s", "delivery mean (s)", &Metrics::delivery_mean},
      {"timeouts_per_message", "timeouts/msg", &Metrics::timeouts_per_message},
      {"tempfail_per_message", "421s/msg", &Metrics::tempfail_per_message},
      {"connections_per_message", "connections/msg", &Metrics::connections_per_message},
      {"max_over_mean_best_level", "max/mean", &Metrics::max_over_mean_best_level},
      {"jain_index_best_level", "Jain", &Metrics::jain_index_best_level},
      {"utilization_max_best_level", "max utilization", &Metrics::utilization_max_best_level},
  };
  return columns;
}

double t_975(int dof) { return t_two_sided(0.95, dof); }

double t_two_sided(double confidence, int dof) {
  if (dof < 1 || !(confidence > 0 && confidence < 1)) return std::numeric_limits<double>::quiet_NaN();
  // 0.95 written as its quantile, so that compare's intervals keep their exact bits.
  const double p = confidence == 0.95 ? 0.975 : (1 + confidence) / 2;
  return boost::math::quantile(boost::math::students_t_distribution<double>(dof), p);
}

Interval mean_interval(std::span<const double> values, double confidence) {
  Interval out;
  out.n = values.size();
  if (values.empty()) return out;
  double sum = 0;
  for (double v : values) sum += v;
  out.mean = sum / static_cast<double>(values.size());
  if (values.size() < 2) {
    out.sd = out.half_width = std::numeric_limits<double>::quiet_NaN();
    return out;
  }
  double squares = 0;
  for (double v : values) squares += (v - out.mean) * (v - out.mean);
  out.sd = std::sqrt(squares / static_cast<double>(values.size() - 1));
  // Equal values leave rounding noise in the sum of squares: no spread at all.
  if (out.sd < 1e-12 * std::max(1.0, std::fabs(out.mean))) out.sd = 0;
  out.half_width = t_two_sided(confidence, static_cast<int>(values.size()) - 1) * out.sd / std::sqrt(static_cast<double>(values.size()));
  return out;
}

std::string verdict(const Interval& d) {
  if (d.n < 2 || std::isnan(d.half_width)) return "no difference shown";
  if (d.sd == 0) return d.mean == 0 ? "identical" : "no difference shown";
  if (d.mean + d.half_width < 0) return "lower";
  if (d.mean - d.half_width > 0) return "higher";
  return "no difference shown";
}

std::string csv(const Comparison& c, const std::string& footer) {
  util::CsvLine header;
  for (const char* name : {"scenario", "policy", "seed", "status", "submitted", "delivered", "bounced", "pending"})
    header.raw(name);
  for (const auto& column : metric_columns()) header.raw(column.name);
  // The names of an earlier version, kept for scripts written against them.
  std::string out = header.raw("best_max_over_mean").raw("best_jain").raw("best_max_utilization").finish();
  const std::size_t fields = 4 + metric_columns().size() + 3;
  for (std::size_t s = 0; s < c.scenarios.size(); ++s) {
    for (std::size_t p = 0; p < c.policies.size(); ++p) {
      for (const auto& cell : c.cells[s][p]) {
        if (cell.status.empty()) continue;
        util::CsvLine line;
        line.text(c.scenarios[s]).text(c.policies[p]).raw(std::to_string(cell.seed)).text(cell.status);
        if (cell.metrics) {
          const auto& m = *cell.metrics;
          for (const auto count : {m.submitted, m.delivered, m.bounced, m.pending}) line.raw(std::to_string(count));
          for (const auto& column : metric_columns()) line.raw(fmt::format("{}", m.*column.field));
          line.raw(fmt::format("{}", m.max_over_mean_best_level))
              .raw(fmt::format("{}", m.jain_index_best_level))
              .raw(fmt::format("{}", m.utilization_max_best_level));
        } else {
          for (std::size_t i = 0; i < fields; ++i) line.empty();
        }
        out += line.finish();
      }
    }
  }
  if (!footer.empty()) out += "# " + footer + "\n";
  return out;
}

std::string intervals_csv(const Comparison& c, const std::string& baseline, const std::string& footer) {
  std::string out =
      "scenario,policy,metric,versus,n,mean,sd,ci95_half_width,ci95_low,ci95_high,verdict\n";
  const auto base = std::find(c.policies.begin(), c.policies.end(), baseline) - c.policies.begin();
  const bool paired = static_cast<std::size_t>(base) < c.policies.size();
  auto row = [&](std::size_t s, std::size_t p, const MetricColumn& column, const std::string& versus,
                 const std::vector<double>& values) {
    const auto i = mean_interval(values);
    util::CsvLine line;
    line.text(c.scenarios[s]).text(c.policies[p]).raw(column.name).text(versus).raw(std::to_string(i.n));
    line.raw(i.n ? number_text(i.mean) : "").raw(number_text(i.sd)).raw(number_text(i.half_width));
    line.raw(number_text(i.mean - i.half_width)).raw(number_text(i.mean + i.half_width));
    line.raw(versus.empty() ? "" : verdict(i));
    out += line.finish();
  };
  for (std::size_t s = 0; s < c.scenarios.size(); ++s)
    for (std::size_t p = 0; p < c.policies.size(); ++p)
      for (const auto& column : metric_columns()) row(s, p, column, "", values_of(c.cells[s][p], column.field));
  if (paired)
    for (std::size_t s = 0; s < c.scenarios.size(); ++s)
      for (std::size_t p = 0; p < c.policies.size(); ++p) {
        if (static_cast<std::ptrdiff_t>(p) == base) continue;
        for (const auto& column : metric_columns())
          row(s, p, column, baseline,
              differences(c.cells[s][p], c.cells[s][static_cast<std::size_t>(base)], column.field));
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
    for (const auto field : kTableFields) out += fmt::format(" {} |", column_of(field).title);
    if (paired) out += fmt::format(" Δ delivery p99 vs {} (paired) |", baseline);
    out += "\n|---|";
    for (std::size_t i = 0; i < std::size(kTableFields); ++i) out += "---|";
    if (paired) out += "---|";
    out += "\n";
    for (std::size_t p = 0; p < c.policies.size(); ++p) {
      const auto& runs = c.cells[s][p];
      std::size_t ok = 0;
      for (const auto& cell : runs) ok += cell.metrics ? 1 : 0;
      out += fmt::format("| {}{} |", c.policies[p], ok == runs.size() ? "" : fmt::format(" (n={})", ok));
      for (const auto field : kTableFields)
        out += fmt::format(" {} |", with_interval(mean_interval(values_of(runs, field))));
      if (paired) {
        if (static_cast<std::ptrdiff_t>(p) == base) {
          out += " baseline |";
        } else {
          const auto i = mean_interval(
              differences(runs, c.cells[s][static_cast<std::size_t>(base)], &Metrics::delivery_p99));
          // A lower delivery p99 is better.
          const auto v = verdict(i);
          out += fmt::format(" {} ({}) |", with_interval(i),
                             i.n == 0 ? "no runs" : v == "lower" ? "better" : v == "higher" ? "worse" : v);
        }
      }
      out += "\n";
    }
    out += "\n";
  }
  out += "Columns: latency percentiles from submission (first 250 from any MX; delivery to a final server); "
         "timeouts and 421 answers per submitted message; max/mean and Jain's index of the accepted messages over "
         "the hosts of the first domain's best preference level. The paired difference subtracts the baseline's "
         "delivery p99 run by run (same seed, same arrivals): better/worse when its 95% interval excludes 0; "
         "\"no difference shown\" when it includes 0, with fewer than two replications, or when every replication "
         "gives the same non-zero difference (no spread: percentiles come from histogram buckets within 1%, so equal "
         "values say the same bucket, not a measured effect); \"identical\" when every replication equals the "
         "baseline. Every interval is in NAME-intervals.csv.\n";
  return out;
}

}  // namespace mxsim::compare
