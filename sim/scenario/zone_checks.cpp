// The checks that need the zone parsed: the zone and its updates within the
// limits, the report's size, platform targets told from servers, one entry per
// server address, and faults that contradict each other on one server or link.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <map>
#include <optional>

#include "scenario/sections.hpp"
#include "scenario/text.hpp"

namespace mxsim::scenario {
namespace {

using util::InputError;

constexpr int kMaxOccurrences = 10'000;         // periodic events compared per pair...
constexpr long kOccurrenceBudget = 20'000'000;  // ...and over all pairs: beyond, trust the user

// A fault window on one server (its addresses) or one link for the overlap check.
struct FaultWindow {
  std::size_t event;
  std::vector<dns::AddressId> addresses;  // sorted; empty for a link
};

// Occurrence windows of an event: [start + k*every, start + k*every + length).
struct Windows {
  double start;
  double length;
  std::optional<double> every;
};

// Whether some occurrence of a periodic `p` meets the one window [begin, end).
bool periodic_meets(const Windows& p, double begin, double end) {
  // The first occurrence that ends after `begin`, then whether it starts before `end`.
  const double k =
      begin - p.start - p.length < 0 ? 0 : std::floor((begin - p.start - p.length) / *p.every) + 1;
  return p.start + k * *p.every < end;
}

bool windows_overlap(const Windows& a, const Windows& b, double bound, long& budget) {
  if (!a.every && !b.every) return a.start < b.start + b.length && b.start < a.start + a.length;
  if (!b.every) return periodic_meets(a, b.start, b.start + b.length);
  if (!a.every) return periodic_meets(b, a.start, a.start + a.length);
  // Two periodic events: compare the occurrences of the sparser one, up to a
  // bound, since an exact answer for real-valued periods is not worth its code.
  const Windows& sparse = *a.every >= *b.every ? a : b;
  const Windows& dense = &sparse == &a ? b : a;
  const double until = std::max({bound, a.start + 2 * *a.every, b.start + 2 * *b.every});
  for (int k = 0; k < kMaxOccurrences && budget > 0; ++k, --budget) {
    const double begin = sparse.start + k * *sparse.every;
    if (begin > until) break;
    if (periodic_meets(dense, begin, begin + sparse.length)) return true;
  }
  return false;
}

std::string fault_name(const Event& event) {
  switch (event.fault) {
    case Fault::down:
      return "down";
    case Fault::refuse:
      return "refuse";
    case Fault::tempfail:
      return "tempfail";
    case Fault::slow:
      return fmt::format("slow (factor {:g})", event.factor);
    case Fault::servfail:
      return "servfail";
    case Fault::zone_update:
      return "zone update";
    case Fault::degrade:
      return fmt::format("degrade (factor {:g})", event.factor);
  }
  return "?";
}

}  // namespace

dns::ZoneDb parse_zones(const Reader& r, const Fields& top, const Scenario& scenario) {
  auto keyed = [](const InputError& e, std::string_view key) {
    return InputError(e.where(), fmt::format("{}: {}", key, e.message()));
  };
  std::optional<dns::ZoneDb> db;
  try {
    db = dns::ZoneDb::parse(scenario.zone_text, scenario.zone_where,
                            {.records = r.limits().zone_records,
                             .addresses = r.limits().addresses,
                             .mx_per_name = r.limits().mx_per_name});
  } catch (const InputError& e) {
    throw keyed(e, top.find("zone") != nullptr ? "zone" : "zone_file");
  }
  for (std::size_t i = 0; i < scenario.events.size(); ++i) {
    const Event& event = scenario.events[i];
    if (event.fault != Fault::zone_update) continue;
    try {
      db->add_update(event.zone_text, event.zone_where);
    } catch (const InputError& e) {
      throw keyed(e, child(indexed("events", i), "zone"));
    }
  }
  return std::move(*db);
}

void check_report_rows(const Reader& r, const Fields& top, const Scenario& scenario, const dns::ZoneDb& db) {
  const double span = scenario.horizon.value_or(scenario.duration);
  const double rows = std::ceil(span / scenario.report.bin) * static_cast<double>(db.address_count());
  if (rows <= static_cast<double>(r.limits().timeseries_rows)) return;
  // At report.bin when given, else at the duration or horizon.
  const Entry* report = top.find("report");
  const YAML::Node bin = report != nullptr && report->value.IsMap() ? report->value["bin"] : YAML::Node();
  const Entry* span_entry = top.find(scenario.horizon ? "horizon" : "duration");
  fail(bin ? r.at(bin) : r.at(*span_entry), bin ? "report.bin" : span_entry->key,
       fmt::format("bins of {} over {} for {} addresses make {:.3g} rows of timeseries.csv: {}",
                   util::format_duration(scenario.report.bin), util::format_duration(span),
                   db.address_count(), rows, limit_note(r.limits(), "timeseries_rows")));
}

// The engine checks the names of the platform file's links.
void resolve_platform_targets(const std::vector<PlatformTarget>& targets, const dns::ZoneDb& db,
                              Scenario& scenario) {
  for (const auto& candidate : targets) {
    Event& event = scenario.events[candidate.event];
    const bool in_zone = is_address_key(event.target) ? db.find_address(event.target) != dns::kNoName
                                                      : db.find_name(event.target) != dns::kNoName;
    if (!in_zone) {
      event.target = candidate.text;
      event.on_link = true;
    }
    check_link_fault(event, candidate.fault_where, child(indexed("events", candidate.event), "fault"));
  }
}

void check_configured_once(const Scenario& scenario, const Topology& topology, const dns::ZoneDb& db) {
  std::map<dns::AddressId, const ServerSpec*> configured;
  for (const auto& spec : scenario.servers) {
    for (const auto address : topology.servers_named(spec.key)) {
      const auto [it, fresh] = configured.emplace(address, &spec);
      if (!fresh)
        fail(spec.where, "servers",
             fmt::format("{} configures address {} again (already configured by {} at line {})",
                         shown(spec.key), db.address(address), shown(it->second->key),
                         it->second->where.line));
    }
  }
}

void check_overlaps(const Scenario& scenario, const Topology& topology, const dns::ZoneDb& db) {
  std::vector<FaultWindow> faults;
  long budget = kOccurrenceBudget;
  double bound = scenario.horizon.value_or(scenario.duration);
  for (std::size_t i = 0; i < scenario.events.size(); ++i) {
    const Event& event = scenario.events[i];
    if (event.fault == Fault::servfail || event.fault == Fault::zone_update) continue;
    faults.push_back(
        {i, event.on_link ? std::vector<dns::AddressId>{} : topology.servers_named(event.target)});
    if (!event.every)
      bound = std::max(bound, std::isfinite(event.length) ? event.at + event.length : event.at);
  }
  for (std::size_t j = 0; j < faults.size(); ++j) {
    const Event& later = scenario.events[faults[j].event];
    for (std::size_t i = 0; i < j; ++i) {
      const Event& earlier = scenario.events[faults[i].event];
      if (earlier.fault == later.fault && earlier.factor == later.factor) continue;
      if (earlier.on_link || later.on_link) {
        // Links are named, not addressed: the same name is the same link.
        if (!earlier.on_link || !later.on_link || earlier.target != later.target) continue;
        if (!windows_overlap({earlier.at, earlier.length, earlier.every},
                             {later.at, later.length, later.every}, bound, budget))
          continue;
        fail(later.where, indexed("events", faults[j].event),
             fmt::format("fault {} on link {} overlaps fault {} ({} at line {}); contradictory "
                         "faults on one link cannot overlap",
                         fault_name(later), shown(later.target), fault_name(earlier),
                         indexed("events", faults[i].event), earlier.where.line));
      }
      std::vector<dns::AddressId> shared;
      std::set_intersection(faults[i].addresses.begin(), faults[i].addresses.end(),
                            faults[j].addresses.begin(), faults[j].addresses.end(),
                            std::back_inserter(shared));
      if (shared.empty()) continue;
      if (!windows_overlap({earlier.at, earlier.length, earlier.every}, {later.at, later.length, later.every},
                           bound, budget))
        continue;
      fail(later.where, indexed("events", faults[j].event),
           fmt::format("fault {} on {} overlaps fault {} on {} ({} at line {}), both on address {}; "
                       "contradictory faults on one server cannot overlap",
                       fault_name(later), shown(later.target), fault_name(earlier), shown(earlier.target),
                       indexed("events", faults[i].event), earlier.where.line, db.address(shared.front())));
    }
  }
}

}  // namespace mxsim::scenario
