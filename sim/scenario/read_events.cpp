// The `events:` section: server and link faults (down, refuse, tempfail,
// slow, degrade), DNS faults (servfail) and zone updates, once or periodic.
#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "scenario/sections.hpp"
#include "scenario/text.hpp"

namespace mxsim::scenario {
namespace {

constexpr double kMinEvery = 1.0;   // seconds
constexpr double kMaxFactor = 1e6;  // slow events

// `uplink:SERVER-KEY` or `link:SENDER-GROUP`: a link the scenario describes.
void read_link_target(const Reader& r, const Entry& target, const std::string& path, Event& event,
                      const Scenario& scenario) {
  const std::string& raw = target.value.Scalar();
  if (scenario.platform)
    fail(r.at(target), path,
         fmt::format("{}: uplink: and link: name links the scenario describes; with platform: "
                     "given, name a link of the platform file",
                     shown(raw)));
  event.on_link = true;
  constexpr std::string_view kUplink = "uplink:";
  if (raw.starts_with(kUplink)) {
    const std::string text = raw.substr(kUplink.size());
    const std::string key = canonical_server_key(text);
    const auto spec = std::find_if(scenario.servers.begin(), scenario.servers.end(),
                                   [&](const ServerSpec& s) { return s.key == key; });
    if (spec == scenario.servers.end())
      fail(r.at(target), path,
           fmt::format("{} names no entry of servers (uplink: is followed by a server key)", shown(raw)));
    if (!spec->uplink)
      fail(r.at(target), path,
           fmt::format("{}: servers[{}] at line {} has no uplink", shown(raw), shown(spec->key),
                       spec->where.line));
    event.target = std::string(kUplink) + key;
    return;
  }
  const std::string name = raw.substr(raw.find(':') + 1);
  const auto group = std::find_if(scenario.senders.begin(), scenario.senders.end(),
                                  [&](const SenderGroup& g) { return g.name == name; });
  if (group == scenario.senders.end())
    fail(r.at(target), path,
         fmt::format("{} names no sender group (link: is followed by a sender group's name)", shown(raw)));
  if (!group->link)
    fail(r.at(target), path,
         fmt::format("{}: sender group {} at line {} has no link", shown(raw), shown(group->name),
                     group->where.line));
  event.target = raw;
}

// Which fault, on what: reads target, dns, zone, fault and factor.
void read_fault(const Reader& r, const Fields& map, Event& event, const Scenario& scenario,
                std::vector<PlatformTarget>& platform_targets) {
  const Entry* target = map.find("target");
  const Entry* dns_domain = map.find("dns");
  const Entry* zone = map.find("zone");
  const Entry* fault = map.find("fault");
  const Entry* factor = map.find("factor");
  const int kinds = (target != nullptr) + (dns_domain != nullptr) + (zone != nullptr);
  if (kinds != 1)
    fail(map.where, map.path,
         "expected exactly one of target (a server or link fault), dns (a DNS fault) or zone (a zone "
         "update)");
  if (factor != nullptr && (fault == nullptr || !fault->value.IsScalar() ||
                            (fault->value.Scalar() != "slow" && fault->value.Scalar() != "degrade")))
    fail(r.at(factor->key_node), map.path, "factor applies only to fault: slow or degrade");

  if (zone != nullptr) {
    if (fault != nullptr) fail(r.at(fault->key_node), map.path, "a zone update takes no fault");
    if (map.find("for") != nullptr || map.find("every") != nullptr)
      fail(map.where, map.path, "a zone update happens once: for and every do not apply");
    event.fault = Fault::zone_update;
    event.zone_text = r.zone_text(*zone, child(map.path, "zone"));
    event.zone_where = r.text_where(zone->value);
    return;
  }
  if (dns_domain != nullptr) {
    const auto path = child(map.path, "dns");
    event.target = r.domain(dns_domain->value, r.at(*dns_domain), path);
    event.target_where = r.at(*dns_domain);
    static constexpr std::array<std::string_view, 1> kDnsFaults{"servfail"};
    r.choice(r.required(map, "fault", "fault: servfail"), child(map.path, "fault"), kDnsFaults);
    event.fault = Fault::servfail;
    return;
  }
  const auto path = child(map.path, "target");
  const auto fault_path = child(map.path, "fault");
  const Entry& fault_entry = r.required(map, "fault", "down, refuse, tempfail, slow or degrade");
  if (fault_entry.value.IsScalar() && fault_entry.value.Scalar() == "servfail")
    fail(r.at(fault_entry), fault_path, "servfail is a DNS fault: write dns: DOMAIN instead of target");
  static constexpr std::array<std::string_view, 5> kFaults{"down", "refuse", "tempfail", "slow", "degrade"};
  const std::string kind = r.choice(fault_entry, fault_path, kFaults);
  event.fault = kind == "down"       ? Fault::down
                : kind == "refuse"   ? Fault::refuse
                : kind == "tempfail" ? Fault::tempfail
                : kind == "slow"     ? Fault::slow
                                     : Fault::degrade;
  if (!target->value.IsScalar())
    r.fail_expected(*target, path, "expected a host name, an address, uplink:SERVER or link:GROUP");
  const std::string& raw = target->value.Scalar();
  if (raw.starts_with("uplink:") || raw.starts_with("link:")) {
    read_link_target(r, *target, path, event, scenario);
    check_link_fault(event, r.at(fault_entry), fault_path);
  } else {
    const std::string key = canonical_server_key(raw);
    if (scenario.platform && !is_address_key(key) && !plausible_name(key)) {
      // Not a host name, so only a link of the platform file (the engine checks it).
      event.target = raw;
      event.on_link = true;
      check_link_fault(event, r.at(fault_entry), fault_path);
    } else {
      const Entry as_key{raw, target->value, target->value};
      event.target = r.server_key(as_key, path);
      event.target_where = r.at(*target);
      // With a platform file the zone decides, once parsed, whether this is a
      // server or a link of that file (resolve_platform_targets).
      if (scenario.platform)
        platform_targets.push_back({scenario.events.size(), raw, r.at(fault_entry)});
      else
        check_link_fault(event, r.at(fault_entry), fault_path);
    }
  }
  if (event.fault == Fault::slow) {
    const auto factor_path = child(map.path, "factor");
    if (factor == nullptr)
      fail(map.where, map.path, "fault slow needs factor: N, how many times longer service takes");
    event.factor = r.number(*factor, factor_path, "expected a positive number");
    if (event.factor <= 0) r.fail_expected(*factor, factor_path, "expected a positive number");
    if (event.factor > kMaxFactor)
      fail(r.at(*factor), factor_path, fmt::format("at most {:g} is supported", kMaxFactor));
  }
  if (event.fault == Fault::degrade) {
    const auto factor_path = child(map.path, "factor");
    constexpr std::string_view kExpected = "expected a number greater than 0 and at most 1";
    if (factor == nullptr)
      fail(map.where, map.path,
           "fault degrade needs factor: F, the share of the link's bandwidth left (0 < F <= 1)");
    event.factor = r.number(*factor, factor_path, kExpected);
    if (!(event.factor > 0 && event.factor <= 1)) r.fail_expected(*factor, factor_path, kExpected);
  }
}

Event read_event(const Reader& r, const YAML::Node& node, const std::string& path, const Scenario& scenario,
                 std::vector<PlatformTarget>& platform_targets) {
  const Fields map =
      r.fields(node, path, r.at(node), "a map such as {at: 30m, for: 1h, target: HOST, fault: down}",
               {"at", "for", "every", "target", "dns", "zone", "fault", "factor"});
  Event event;
  event.where = r.at(node);
  event.at = r.duration(r.required(map, "at", "when it happens, e.g. at: 30m"), child(path, "at"), false);
  if (const Entry* e = map.find("for")) event.length = r.duration(*e, child(path, "for"), true);
  if (const Entry* e = map.find("every")) {
    event.every = r.duration(*e, child(path, "every"), true);
    // A floor keeps a flapping fault from flooding the run with events.
    if (*event.every < kMinEvery)
      fail(r.at(e->value), child(path, "every"),
           fmt::format("a periodic event repeats at most once a second (limit: every >= 1s), got {}",
                       util::format_duration(*event.every)));
    if (map.find("for") == nullptr)
      fail(r.at(e->key_node), path, "a periodic event needs for: how long each occurrence lasts");
    if (event.length >= *event.every)
      fail(r.at(map.find("for")->value), child(path, "for"),
           fmt::format("each occurrence must end before the next: for ({}) must be shorter than every ({})",
                       util::format_duration(event.length), util::format_duration(*event.every)));
  }
  read_fault(r, map, event, scenario, platform_targets);
  return event;
}

}  // namespace

// Only down and degrade apply to a link, and degrade only to a link.
void check_link_fault(const Event& event, const Location& fault_where, const std::string& fault_path) {
  if (event.on_link && event.fault != Fault::down && event.fault != Fault::degrade)
    fail(fault_where, fault_path,
         fmt::format("{} applies to servers; a link ({}) can only be down or degrade",
                     event.fault == Fault::refuse     ? "refuse"
                     : event.fault == Fault::tempfail ? "tempfail"
                                                      : "slow",
                     shown(event.target)));
  if (!event.on_link && event.fault == Fault::degrade)
    fail(fault_where, fault_path,
         fmt::format("degrade applies to links, and {} is a server; write target: uplink:SERVER "
                     "or link:SENDER-GROUP",
                     shown(event.target)));
}

std::vector<PlatformTarget> read_events(const Reader& r, const Entry& entry, Scenario& scenario) {
  std::vector<PlatformTarget> platform_targets;
  if (entry.value.IsNull()) return platform_targets;
  if (!entry.value.IsSequence()) r.fail_expected(entry, "events", "expected a list of events");
  for (const auto& node : entry.value) {
    if (scenario.events.size() >= r.limits().events)
      fail(r.at(node), indexed("events", scenario.events.size()),
           fmt::format("one event too many: {}", limit_note(r.limits(), "events")));
    const auto path = indexed("events", scenario.events.size());
    scenario.events.push_back(read_event(r, node, path, scenario, platform_targets));
  }
  return platform_targets;
}

}  // namespace mxsim::scenario
