// The scenario's own settings: name, seed, duration and horizon; the engine
// and its platform file; the zone, inline or from a file; the report's bins
// and percentiles.
#include <fmt/format.h>

#include <array>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <system_error>

#include "scenario/sections.hpp"
#include "scenario/text.hpp"

namespace mxsim::scenario {
namespace {

constexpr long kMaxBins = 1'000'000;

// A file a key names relative to the scenario's folder; it must be a regular file.
std::filesystem::path file_beside(const Reader& r, const Entry& entry, const std::string& key,
                                  const std::string& name) {
  namespace fs = std::filesystem;
  const fs::path resolved = (fs::path(r.file()).parent_path() / name).lexically_normal();
  std::error_code ec;
  if (!fs::is_regular_file(resolved, ec))
    fail(r.at(entry), key,
         fmt::format("cannot read {} (looked for {}): {}", shown(name), resolved.string(),
                     ec ? ec.message() : "no such file"));
  return resolved;
}

}  // namespace

void read_header(const Reader& r, const Fields& top, Scenario& scenario) {
  scenario.file = r.file();
  const auto stem = std::filesystem::path(r.file()).stem().string();
  scenario.name = stem.empty() ? "scenario" : stem;
  if (const Entry* e = top.find("name")) scenario.name = r.text(*e, "name");
  if (const Entry* e = top.find("description"); e != nullptr && !e->value.IsNull())
    scenario.description = r.text(*e, "description");
  if (const Entry* e = top.find("seed")) {
    constexpr std::string_view kExpected = "expected a whole number >= 0";
    if (!e->value.IsScalar()) r.fail_expected(*e, "seed", kExpected);
    const std::string& raw = e->value.Scalar();
    const auto [end, ec] = std::from_chars(raw.data(), raw.data() + raw.size(), scenario.seed);
    if (ec != std::errc() || end != raw.data() + raw.size()) r.fail_expected(*e, "seed", kExpected);
  }
  scenario.duration = r.duration(r.required(top, "duration", "how long messages arrive, e.g. duration: 2h"),
                                 "duration", true);
  if (const Entry* e = top.find("horizon")) {
    scenario.horizon = r.duration(*e, "horizon", true);
    if (*scenario.horizon < scenario.duration)
      fail(r.at(*e), "horizon",
           fmt::format("{} is shorter than the duration ({}); the horizon must be at least as long",
                       util::format_duration(*scenario.horizon), util::format_duration(scenario.duration)));
  }
}

// engine: {sessions: fast|network}, and the platform file network sessions may use;
// dns: {caches: warm|cold}.
void read_engine(const Reader& r, const Fields& top, Scenario& scenario) {
  if (const Entry* e = top.find("dns")) {
    scenario.dns.where = r.at(e->key_node);
    const Fields map = r.fields(e->value, "dns", r.at(*e), "a map {caches}", {"caches"});
    if (const Entry* caches = map.find("caches")) {
      static constexpr std::array<std::string_view, 2> kCaches{"warm", "cold"};
      scenario.dns.caches = r.choice(*caches, "dns.caches", kCaches) == "cold" ? Caches::cold : Caches::warm;
    }
  }
  if (const Entry* e = top.find("engine")) {
    scenario.engine.where = r.at(e->key_node);
    const Fields map = r.fields(e->value, "engine", r.at(*e), "a map {sessions}", {"sessions"});
    if (const Entry* sessions = map.find("sessions")) {
      static constexpr std::array<std::string_view, 2> kSessions{"fast", "network"};
      scenario.engine.sessions = r.choice(*sessions, "engine.sessions", kSessions) == "network"
                                     ? SessionKind::network
                                     : SessionKind::round_trips;
    }
  }
  const Entry* platform = top.find("platform");
  if (platform == nullptr) return;
  if (scenario.engine.sessions != SessionKind::network)
    fail(r.at(platform->key_node), "platform",
         "a platform file needs engine: {sessions: network}; the fast sessions have no links");
  const std::string name = r.text(*platform, "platform");
  const auto resolved = file_beside(r, *platform, "platform", name);
  if (!std::ifstream(resolved, std::ios::binary))
    fail(r.at(*platform), "platform",
         fmt::format("cannot read {} (looked for {})", shown(name), resolved.string()));
  scenario.platform = resolved.string();
  scenario.platform_where = r.at(*platform);
}

void read_zone(const Reader& r, const Fields& top, Scenario& scenario) {
  const Entry* zone = top.find("zone");
  const Entry* zone_file = top.find("zone_file");
  if (zone != nullptr && zone_file != nullptr) {
    const Entry& later = r.at(zone->key_node).line > r.at(zone_file->key_node).line ? *zone : *zone_file;
    fail(r.at(later.key_node), "", "zone and zone_file are both given; keep one of them");
  }
  if (zone != nullptr) {
    scenario.zone_text = r.zone_text(*zone, "zone");
    scenario.zone_where = r.text_where(zone->value);
    return;
  }
  if (zone_file == nullptr)
    fail(top.where, "", "missing key \"zone\" (the zone's master-file text) or \"zone_file\"");

  const std::string name = r.text(*zone_file, "zone_file");
  const auto resolved = file_beside(r, *zone_file, "zone_file", name);
  switch (read_capped(resolved, r.limits().file_size, scenario.zone_text)) {
    case ReadStatus::ok:
      break;
    case ReadStatus::too_large:
      fail(r.at(*zone_file), "zone_file",
           fmt::format("{} is too large: {}", shown(name), limit_note(r.limits(), "file_size")));
    case ReadStatus::failed:
      fail(r.at(*zone_file), "zone_file",
           fmt::format("cannot read {} (looked for {})", shown(name), resolved.string()));
  }
  scenario.zone_where = Location{resolved.string(), 1, 1};
}

Report read_report(const Reader& r, const Entry& entry, const Scenario& scenario) {
  const Fields map =
      r.fields(entry.value, "report", r.at(entry), "a map {bin, percentiles}", {"bin", "percentiles"});
  Report report;
  if (const Entry* bin = map.find("bin")) {
    report.bin = r.duration(*bin, "report.bin", true);
    const double span = scenario.horizon.value_or(scenario.duration);
    if (span / report.bin > kMaxBins)
      fail(r.at(*bin), "report.bin",
           fmt::format("{} makes more than {} bins over {}; use a wider bin", bin->value.Scalar(), kMaxBins,
                       util::format_duration(span)));
  }
  if (const Entry* list = map.find("percentiles")) {
    if (!list->value.IsSequence() || list->value.size() == 0)
      r.fail_expected(*list, "report.percentiles", "expected a list of numbers such as [50, 90, 99]");
    report.percentiles.clear();
    std::size_t i = 0;
    for (const auto& item : list->value) {
      const auto path = indexed("report.percentiles", i++);
      const Entry as_entry{"", item, item};
      const double p = r.number(as_entry, path, "expected a number between 0 and 100 (exclusive)");
      if (p <= 0 || p >= 100)
        r.fail_expected(as_entry, path, "expected a number between 0 and 100 (exclusive)");
      report.percentiles.push_back(p);
    }
  }
  return report;
}

}  // namespace mxsim::scenario
