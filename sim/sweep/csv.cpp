// The sweep CSV (header, rows, the summary fields they carry) and the merge
// of a sharded sweep's files into the unsharded one.
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>

#include "sweep/sweep.hpp"
#include "util/csv.hpp"
#include "util/sha256.hpp"

#ifndef MXSIM_VERSION
#define MXSIM_VERSION "dev"
#endif

namespace mxsim::sweep {

// --- CSV -------------------------------------------------------------------------

namespace {

// The summary fields a sweep row carries, by JSON pointer.
struct Column {
  const char* name;
  const char* pointer;
};
constexpr Column kColumns[] = {
    {"scenario", "/scenario"},
    {"complete", "/complete"},
    {"simulated_s", "/simulated_s"},
    {"submitted", "/messages/submitted"},
    {"delivered", "/messages/delivered"},
    {"bounced", "/messages/bounced"},
    {"pending", "/messages/pending"},
    {"first_hop_count", "/latency_s/first_hop/count"},
    {"first_hop_mean_s", "/latency_s/first_hop/mean"},
    {"first_hop_p50_s", "/latency_s/first_hop/p50"},
    {"first_hop_p90_s", "/latency_s/first_hop/p90"},
    {"first_hop_p99_s", "/latency_s/first_hop/p99"},
    {"first_hop_p999_s", "/latency_s/first_hop/p999"},
    {"first_hop_max_s", "/latency_s/first_hop/max"},
    {"delivery_count", "/latency_s/delivery/count"},
    {"delivery_mean_s", "/latency_s/delivery/mean"},
    {"delivery_p50_s", "/latency_s/delivery/p50"},
    {"delivery_p90_s", "/latency_s/delivery/p90"},
    {"delivery_p99_s", "/latency_s/delivery/p99"},
    {"delivery_p999_s", "/latency_s/delivery/p999"},
    {"delivery_max_s", "/latency_s/delivery/max"},
    {"connections", "/attempts/connections"},
    {"accepted", "/attempts/accepted"},
    {"timeouts", "/attempts/timeouts"},
    {"refused", "/attempts/refused"},
    {"tempfail", "/attempts/tempfail"},
    {"connections_per_message", "/attempts/per_message_mean"},
    {"bounced_null_mx", "/bounces/null_mx"},
    {"bounced_nxdomain", "/bounces/nxdomain"},
    {"bounced_expired", "/bounces/expired"},
    {"bounced_rejected", "/bounces/rejected"},
    {"bounced_loops_to_self", "/bounces/loops_to_self"},
};

// The names an earlier version gave the same fields, kept (after every
// other column) for scripts written against them.
constexpr Column kOldNames[] = {
    {"first_hop_mean", "/latency_s/first_hop/mean"}, {"first_hop_p50", "/latency_s/first_hop/p50"},
    {"first_hop_p90", "/latency_s/first_hop/p90"},   {"first_hop_p99", "/latency_s/first_hop/p99"},
    {"first_hop_p999", "/latency_s/first_hop/p999"}, {"first_hop_max", "/latency_s/first_hop/max"},
    {"delivery_mean", "/latency_s/delivery/mean"},   {"delivery_p50", "/latency_s/delivery/p50"},
    {"delivery_p90", "/latency_s/delivery/p90"},     {"delivery_p99", "/latency_s/delivery/p99"},
    {"delivery_p999", "/latency_s/delivery/p999"},   {"delivery_max", "/latency_s/delivery/max"},
    {"attempts_per_message", "/attempts/per_message_mean"},
};

// Which sweep a row belongs to: `mxsim merge` joins only rows that agree.
constexpr const char* kIdentityColumns[] = {"sweep_mxsim_version", "sweep_scenario_sha256", "sweep_grid_sha256"};

std::string cell(const nlohmann::json& value) {
  if (value.is_string()) return util::csv_field(value.get<std::string>());
  if (value.is_null()) return "";
  return value.dump();
}

void add_fields(util::CsvLine& line, std::span<const Column> columns, const nlohmann::json* summary) {
  for (const auto& c : columns) {
    const nlohmann::json::json_pointer pointer(c.pointer);
    line.raw(summary && summary->contains(pointer) ? cell(summary->at(pointer)) : std::string());
  }
}

}  // namespace

std::string csv_field(const std::string& text) { return util::csv_field(text); }

std::string column_pointer(const std::string& name) {
  for (const auto& c : kColumns)
    if (name == c.name) return c.pointer;
  for (const auto& c : kOldNames)
    if (name == c.name) return c.pointer;
  return "";
}

std::string Sweep::grid_sha256() const {
  // Every path with its values, then the seeds: one line each.
  std::string text;
  for (const auto& p : grid_) {
    text += p.path + "\n";
    for (const auto& v : p.values) text += "  " + v;
  }
  text += "seeds:";
  for (const auto seed : seeds_) text += fmt::format(" {}", seed);
  return util::sha256_hex(text + "\n");
}

std::string csv_header(const Sweep& sweep) {
  util::CsvLine line;
  line.raw("point").raw("points");
  for (const auto& p : sweep.grid()) line.text(p.path);
  line.raw("seed").raw("status");
  for (const auto& c : kColumns) line.raw(c.name);
  line.raw("jain_index_min").raw("max_over_mean_max").raw("warnings").raw("jain_min");
  for (const auto& c : kOldNames) line.raw(c.name);
  for (const char* name : kIdentityColumns) line.raw(name);
  return line.finish();
}

std::string csv_row(const Sweep& sweep, const Point& p, const std::string& status, const nlohmann::json* summary,
                    std::uint64_t seed) {
  util::CsvLine line;
  line.raw(std::to_string(p.index)).raw(std::to_string(sweep.points()));
  for (std::size_t k = 0; k < sweep.grid().size(); ++k) line.text(sweep.grid()[k].shown[p.choice[k]]);
  line.raw(std::to_string(seed)).text(status);
  add_fields(line, kColumns, summary);
  // Fairness over the preference groups: the worst one.
  std::optional<double> jain, max_over_mean;
  if (summary && summary->contains("groups"))
    for (const auto& g : summary->at("groups")) {
      if (g.contains("jain_index") && g["jain_index"].is_number())
        jain = std::min(jain.value_or(1.0), g["jain_index"].get<double>());
      if (g.contains("max_over_mean") && g["max_over_mean"].is_number())
        max_over_mean = std::max(max_over_mean.value_or(0.0), g["max_over_mean"].get<double>());
    }
  const std::string jain_text = jain ? nlohmann::json(*jain).dump() : "";
  line.raw(jain_text).raw(max_over_mean ? nlohmann::json(*max_over_mean).dump() : "");
  line.raw(summary && summary->contains("warnings") ? std::to_string(summary->at("warnings").size()) : "");
  line.raw(jain_text);
  add_fields(line, kOldNames, summary);
  line.text(MXSIM_VERSION).raw(sweep.scenario_sha256()).raw(sweep.grid_sha256());
  return line.finish();
}

// --- merge ---------------------------------------------------------------------------

std::string merge(const std::vector<MergeInput>& inputs) {
  if (inputs.empty()) throw MergeError(2, "no files to merge");
  std::string header;
  std::vector<std::size_t> identity;  // the identity columns' positions
  std::vector<std::string> identity_values;
  const MergeInput* identity_from = nullptr;
  std::optional<std::size_t> total;
  std::map<std::size_t, std::pair<std::string, const MergeInput*>> rows;
  for (const auto& input : inputs) {
    std::vector<util::CsvRecord> records;
    try {
      records = util::parse_csv(input.text);
    } catch (const std::invalid_argument& e) {
      throw MergeError(2, fmt::format("{}: {}: not a CSV file", input.name, e.what()));
    }
    if (records.empty()) throw MergeError(2, fmt::format("{}: empty file, not an mxsim sweep file", input.name));
    const auto& head = records.front();
    if (head.comment || head.fields.size() < 2 || head.fields[0] != "point" || head.fields[1] != "points")
      throw MergeError(2, fmt::format("{}: not an mxsim sweep file (the header must start with point,points,)", input.name));
    if (header.empty()) {
      header = head.raw;
      for (const char* name : kIdentityColumns)
        if (const auto it = std::find(head.fields.begin(), head.fields.end(), name); it != head.fields.end())
          identity.push_back(static_cast<std::size_t>(it - head.fields.begin()));
    } else if (head.raw != header) {
      throw MergeError(2, fmt::format("{}: its columns differ from {}'s: shards of one sweep have the same header "
                                      "(a different grid, or another mxsim version)",
                                      input.name, inputs.front().name));
    }
    for (std::size_t r = 1; r < records.size(); ++r) {
      const auto& record = records[r];
      if (record.comment && record.raw.rfind(kIncompleteMarker, 0) == 0)
        throw MergeError(1, fmt::format("{}:{}: this shard was interrupted ({}); run it again", input.name,
                                        record.line, record.raw));
      std::size_t point = 0, points = 0;
      auto whole = [](const std::string& text, std::size_t& out) {
        return !text.empty() && std::from_chars(text.data(), text.data() + text.size(), out).ptr == text.data() + text.size();
      };
      if (record.comment || record.fields.size() < 2 || !whole(record.fields[0], point) || !whole(record.fields[1], points))
        throw MergeError(2, fmt::format("{}:{}: expected a row that starts with point,points", input.name, record.line));
      // Same grid, same scenario file, same mxsim: else the rows measure different things.
      for (std::size_t k = 0; k < identity.size(); ++k) {
        const std::string value = identity[k] < record.fields.size() ? record.fields[identity[k]] : "";
        if (!identity_from) {
          identity_values.push_back(value);
          continue;
        }
        if (value != identity_values[k])
          throw MergeError(2, fmt::format("{}:{}: {} is {} but {} in {}: these files are shards of different sweeps",
                                          input.name, record.line, kIdentityColumns[k],
                                          value.empty() ? "empty" : value, identity_values[k], identity_from->name));
      }
      if (!identity_from) identity_from = &input;
      if (total && *total != points)
        throw MergeError(2, fmt::format("{}:{}: a sweep of {} points, not {}: these files are not shards of one sweep",
                                        input.name, record.line, points, *total));
      total = points;
      if (point >= points)
        throw MergeError(2, fmt::format("{}:{}: point {} of {} is out of range", input.name, record.line, point, points));
      const auto [it, fresh] = rows.emplace(point, std::make_pair(record.raw, &input));
      if (!fresh)
        throw MergeError(1, fmt::format("point {} is in {} and in {}: give each shard once", point,
                                        it->second.second->name, input.name));
    }
  }
  if (total && rows.size() != *total) {
    std::string missing;
    std::size_t count = 0;
    for (std::size_t i = 0; i < *total; ++i) {
      if (rows.count(i)) continue;
      if (++count <= 10) missing += fmt::format("{}{}", missing.empty() ? "" : ", ", i);
    }
    throw MergeError(1, fmt::format("{} of {} points are missing (points {}{}): is a shard missing?", count, *total, missing,
                                    count > 10 ? ", ..." : ""));
  }
  std::string out = header + "\n";
  for (const auto& [point, row] : rows) out += row.first + "\n";
  return out;
}

}  // namespace mxsim::sweep
