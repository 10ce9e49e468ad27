// The `senders:` section: each sender group's MTAs, profile, selection
// policy, arrival rate, round trips, recipient domains, profile overrides and,
// for network sessions, access link and message sizes.
#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <map>
#include <set>
#include <stdexcept>

#include "mta/kernel.hpp"
#include "mta/profile.hpp"
#include "scenario/sections.hpp"
#include "scenario/text.hpp"
#include "selection/policy.hpp"

namespace mxsim::scenario {
namespace {

constexpr double kMaxRate = 1e7;                                 // messages per second in one sender group
constexpr long long kMaxMtas = std::numeric_limits<int>::max();  // the total: Limits::mtas

// A message has bytes to transfer; parse_bytes alone allows 0.
double message_size(const Reader& r, const Entry& entry, const std::string& path) {
  const double bytes = r.quantity(entry, path, kSize);
  if (bytes <= 0) r.fail_expected(entry, path, "expected a positive size such as 60KB");
  return bytes;
}

// os: a kernel of mta::kernel_names(), or its connect limit as a duration.
void read_os(const Reader& r, const Entry& entry, const std::string& path, SenderGroup& group) {
  if (!entry.value.IsScalar()) r.fail_expected(entry, path, "expected an OS name or a duration");
  const std::string& raw = entry.value.Scalar();
  const auto& names = mta::kernel_names();
  if (std::find(names.begin(), names.end(), raw) != names.end()) {
    group.os = raw;
    return;
  }
  std::string why;
  const auto limit = util::parse_duration(raw, &why);
  if (!limit || *limit <= 0) {
    std::string known;
    for (const auto& n : names) known += (known.empty() ? "" : ", ") + n;
    r.fail_expected(entry, path, fmt::format("expected one of {} or a positive duration such as 90s", known));
  }
  group.os = raw;
  group.os_connect_limit = *limit;
}

// What the groups read so far ask for together, against the limits.
struct Totals {
  double rate = 0;
  std::uint64_t mtas = 0;
};

void read_rtt(const Reader& r, const Entry& entry, const std::string& path, SenderGroup& group) {
  if (!entry.value.IsMap()) {
    group.rtt = r.duration(entry, path, false);
    return;
  }
  for (const auto& item : r.entries(entry.value, path, r.at(entry), "a duration or a map")) {
    if (item.key == "default") {
      group.rtt = r.duration(item, child(path, "default"), false);
      continue;
    }
    const std::string key = r.server_key(item, path);
    const auto item_path = fmt::format("{}[{}]", path, shown(item.key));
    if (!group.rtt_by_server.emplace(key, r.duration(item, item_path, false)).second)
      fail(r.at(item.key_node), path, fmt::format("{} is given twice", shown(key)));
    group.rtt_where[key] = r.at(item.key_node);
  }
}

void read_to(const Reader& r, const Entry& entry, const std::string& path, SenderGroup& group) {
  if (entry.value.IsScalar()) {
    const std::string name = r.domain(entry.value, r.at(entry), path);
    group.to.emplace_back(name, 1.0);
    group.to_where.push_back(r.at(entry));
    return;
  }
  if (!entry.value.IsMap()) r.fail_expected(entry, path, "expected a domain or a map of domains to weights");
  std::set<std::string> seen;  // names differ from keys only in case and the final dot
  for (const auto& item : r.entries(entry.value, path, r.at(entry), "a map of domains to weights")) {
    const std::string name = r.domain(item.key_node, r.at(item.key_node), path);
    const auto item_path = fmt::format("{}[{}]", path, shown(item.key));
    const double weight = r.number(item, item_path, "expected a positive weight");
    if (weight <= 0) r.fail_expected(item, item_path, "expected a positive weight");
    if (!seen.insert(name).second)
      fail(r.at(item.key_node), path, fmt::format("{} is given twice", shown(name)));
    group.to.emplace_back(name, weight);
    group.to_where.push_back(r.at(item.key_node));
  }
  if (group.to.empty()) fail(r.at(entry), path, "expected at least one recipient domain");
}

// Each parameter is applied to a copy of the group's profile, as the model
// applies it: an unknown name fails at its key, a value out of range at the value.
void read_overrides(const Reader& r, const Entry& entry, const std::string& path, SenderGroup& group) {
  group.overrides_where = r.at(entry);
  mta::Profile profile = mta::profile_by_name(group.profile);
  const auto& names = mta::override_names();
  for (const auto& item : r.entries(entry.value, path, r.at(entry), "a map of profile parameters")) {
    const auto item_path = child(path, item.key);
    if (!item.value.IsScalar())
      r.fail_expected(item, item_path, "expected a duration such as 30s or a number");
    std::string why;
    // Switches (host_status_directory) are written true/false.
    const std::string& raw = item.value.Scalar();
    if (mta::is_switch(item.key) && raw != "true" && raw != "false")
      r.fail_expected(item, item_path, "expected true or false");
    const auto value = mta::is_switch(item.key) ? std::optional<double>(raw == "true" ? 1.0 : 0.0)
                           : util::parse_duration(raw, &why);
    if (!value) r.fail_expected(item, item_path, "expected a duration such as 30s or a number");
    if (*value > kMaxTime)
      fail(r.at(item), item_path,
           fmt::format("{} is too long: the limit is 365d", shown(item.value.Scalar())));
    try {
      mta::apply_override(profile, item.key, *value);
    } catch (const std::invalid_argument& e) {
      if (std::find(names.begin(), names.end(), item.key) == names.end())
        fail(r.at(item.key_node), path, e.what());
      fail(r.at(item), item_path, e.what());
    }
    group.overrides.emplace_back(item.key, *value);
  }
  try {
    mta::check_combination(profile, group.profile);
  } catch (const std::invalid_argument& e) {
    fail(group.overrides_where, path, e.what());
  }
}

SenderGroup read_sender(const Reader& r, const YAML::Node& node, const std::string& path,
                        const Scenario& scenario, Totals& totals) {
  const Fields map = r.fields(node, path, r.at(node), "a map of sender settings",
                              {"name", "mtas", "profile", "selection", "rate", "rtt", "to", "overrides",
                               "dns_latency", "link", "size", "resolvers", "os"});
  SenderGroup group;
  group.where = r.at(node);
  const Entry& name = r.required(map, "name", "a name for this sender group");
  group.name = r.text(name, child(path, "name"));
  if (group.name.empty()) r.fail_expected(name, child(path, "name"), "expected a non-empty name");
  if (const Entry* e = map.find("mtas"))
    group.mtas = static_cast<int>(r.integer(*e, child(path, "mtas"), 1, kMaxMtas));
  totals.mtas += static_cast<std::uint64_t>(group.mtas);
  if (totals.mtas > r.limits().mtas)
    fail(map.find("mtas") != nullptr ? r.at(*map.find("mtas")) : group.where, child(path, "mtas"),
         fmt::format("{} MTAs in all sender groups together: {}", totals.mtas,
                     limit_note(r.limits(), "mtas")));
  if (const Entry* e = map.find("profile"))
    group.profile = r.choice(*e, child(path, "profile"), mta::profile_names());
  if (const Entry* e = map.find("selection")) {
    group.selection = r.text(*e, child(path, "selection"));
    // The policy registry's own message names every policy it knows.
    try {
      selection::make_policy(*group.selection, selection::PolicyContext{});
    } catch (const std::invalid_argument& error) {
      fail(r.at(*e), child(path, "selection"), error.what());
    }
  }

  const Entry& rate = r.required(map, "rate", "messages per unit of time, e.g. rate: 20/s");
  const auto rate_path = child(path, "rate");
  if (!rate.value.IsScalar()) r.fail_expected(rate, rate_path, "expected a rate such as 20/s");
  std::string why;
  const auto per_second = util::parse_rate(rate.value.Scalar(), &why);
  if (!per_second) r.fail_expected(rate, rate_path, why);
  if (*per_second <= 0) r.fail_expected(rate, rate_path, "expected a positive rate such as 20/s");
  if (*per_second > kMaxRate)
    fail(r.at(rate), rate_path,
         fmt::format("{} is too high: the limit is 1e7/s", shown(rate.value.Scalar())));
  group.rate = *per_second;
  totals.rate += group.rate;
  if (totals.rate * scenario.duration > static_cast<double>(r.limits().messages))
    fail(r.at(rate), rate_path,
         fmt::format("all sender groups together would send about {:.3g} messages in {}: {}",
                     totals.rate * scenario.duration, util::format_duration(scenario.duration),
                     limit_note(r.limits(), "messages")));

  if (const Entry* e = map.find("rtt")) read_rtt(r, *e, child(path, "rtt"), group);
  if (const Entry* e = map.find("dns_latency"))
    group.dns_latency = r.duration(*e, child(path, "dns_latency"), false);
  read_to(r, r.required(map, "to", "recipient domains, e.g. to: {example.com: 1}"), child(path, "to"), group);
  if (const Entry* e = map.find("overrides")) read_overrides(r, *e, child(path, "overrides"), group);
  if (const Entry* e = map.find("resolvers"))
    group.resolvers = static_cast<int>(r.integer(*e, child(path, "resolvers"), 1, group.mtas));
  if (const Entry* e = map.find("os")) read_os(r, *e, child(path, "os"), group);
  if (const Entry* e = map.find("link")) group.link = read_link(r, *e, child(path, "link"), scenario);
  if (const Entry* e = map.find("size")) {
    static constexpr DistributionUnits kSizeUnits{"a size such as 60KB",
                                                  "the mean message size, e.g. mean: 60KB", &message_size,
                                                  kSize.max, kSize.limit};
    group.size = read_distribution(r, *e, child(path, "size"), kSizeUnits);
    group.size_where = r.at(*e);
  } else if (scenario.engine.sessions == SessionKind::network) {
    fail(group.where, path,
         "missing key \"size\": size is required with engine: {sessions: network}: the DATA "
         "transfer needs a message size, e.g. size: 60KB");
  }
  return group;
}

}  // namespace

void read_senders(const Reader& r, const Entry& entry, Scenario& scenario) {
  if (!entry.value.IsSequence() || entry.value.size() == 0)
    r.fail_expected(entry, "senders", "expected a list of at least one sender group");
  std::map<std::string, int> first_line;
  Totals totals;
  for (const auto& node : entry.value) {
    const auto path = indexed("senders", scenario.senders.size());
    if (scenario.senders.size() >= r.limits().senders)
      fail(r.at(node), path, fmt::format("one sender group too many: {}", limit_note(r.limits(), "senders")));
    SenderGroup group = read_sender(r, node, path, scenario, totals);
    const auto [seen, fresh] = first_line.emplace(group.name, group.where.line);
    if (!fresh)
      fail(group.where, path,
           fmt::format("the name {} is used twice (first at line {})", shown(group.name), seen->second));
    scenario.senders.push_back(std::move(group));
  }
}

}  // namespace mxsim::scenario
