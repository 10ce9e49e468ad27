// Reads scenario files (docs/scenario-format.md) into the plain Scenario
// structs and checks them against their own zone: the YAML reader, then each
// section's reader, then the checks that need the zone (sections.hpp).
#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <string>
#include <system_error>

#include "scenario/platform_check.hpp"
#include "scenario/scenario.hpp"
#include "scenario/sections.hpp"
#include "scenario/text.hpp"
#include "scenario/topology.hpp"
#include "scenario/yaml_reader.hpp"
#include "util/sha256.hpp"

namespace mxsim::scenario {
namespace {

using util::InputError;

Scenario read(const Reader& r) {
  const Fields top = r.fields(r.document(), "", Location{r.file(), 1, 1}, "a map of scenario keys",
                              {"name", "description", "seed", "duration", "horizon", "zone", "zone_file",
                               "servers", "senders", "events", "report", "engine", "platform", "dns"});
  Scenario scenario;
  read_header(r, top, scenario);
  read_engine(r, top, scenario);
  read_zone(r, top, scenario);
  if (const Entry* e = top.find("servers")) read_servers(r, *e, scenario);
  read_senders(r, r.required(top, "senders", "a list of sender groups"), scenario);
  std::vector<PlatformTarget> platform_targets;
  if (const Entry* e = top.find("events")) platform_targets = read_events(r, *e, scenario);
  if (const Entry* e = top.find("report")) scenario.report = read_report(r, *e, scenario);

  const dns::ZoneDb db = parse_zones(r, top, scenario);
  check_report_rows(r, top, scenario, db);
  resolve_platform_targets(platform_targets, db, scenario);
  const Topology topology(scenario, db);
  check_configured_once(scenario, topology, db);
  check_overlaps(scenario, topology, db);
  // Last: SimGrid must never see a platform this scenario cannot run on.
  check_platform(scenario, topology, r.limits());
  return scenario;
}

// Drops a UTF-8 byte order mark: yaml-cpp skips it without counting it in
// marks, and text_where() reads the source by those marks.
std::string_view without_bom(std::string_view text) {
  constexpr std::string_view kBom = "\xEF\xBB\xBF";
  if (text.substr(0, kBom.size()) == kBom) text.remove_prefix(kBom.size());
  return text;
}

}  // namespace

dns::ZoneDb build_zone(const Scenario& scenario) {
  dns::ZoneDb db = dns::ZoneDb::parse(scenario.zone_text, scenario.zone_where);
  for (const auto& event : scenario.events)
    if (event.fault == Fault::zone_update) db.add_update(event.zone_text, event.zone_where);
  return db;
}

Scenario load_text(const std::string& text, const std::string& path, const Limits& limits) {
  if (text.size() > limits.file_size)
    throw InputError(Location{path, 1, 1}, fmt::format("the file is too large ({} bytes): {}", text.size(),
                                                       limit_note(limits, "file_size")));
  const Reader reader(without_bom(text), path, limits);
  // Any yaml-cpp exception the readers let through becomes an InputError at its mark.
  try {
    Scenario scenario = read(reader);
    scenario.sha256 = util::sha256_hex(text);
    return scenario;
  } catch (const YAML::Exception& e) {
    throw InputError(reader.at(e.mark), fmt::format("YAML error: {}", printable(e.msg)));
  }
}

Scenario load_file(const std::string& path, const Limits& limits) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec))
    throw InputError(Location{path, 0, 0}, "cannot read the scenario file: no such file");
  if (std::filesystem::is_directory(path, ec))
    throw InputError(Location{path, 0, 0}, "cannot read the scenario file: it is a directory");
  std::string content;
  switch (read_capped(path, limits.file_size, content)) {
    case ReadStatus::ok:
      break;
    case ReadStatus::too_large:
      throw InputError(Location{path, 1, 1},
                       fmt::format("the file is too large: {}", limit_note(limits, "file_size")));
    case ReadStatus::failed:
      throw InputError(Location{path, 0, 0}, "cannot read the scenario file");
  }
  return load_text(content, path, limits);
}

}  // namespace mxsim::scenario
