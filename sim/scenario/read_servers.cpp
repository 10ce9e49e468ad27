// The `servers:` section: each server's software preset, sessions, backlog,
// service time, role, greylisting, rejections and, for network sessions,
// uplink and processors.
#include <fmt/format.h>

#include <array>
#include <map>

#include "mta/profile.hpp"
#include "scenario/sections.hpp"
#include "scenario/server_software.hpp"
#include "scenario/text.hpp"

namespace mxsim::scenario {
namespace {

constexpr long long kMaxSessions = 1'000'000;
constexpr long long kMaxBacklog = 1'000'000;
constexpr long long kMaxCores = 1024;  // cpu.cores of one server

double service_time(const Reader& r, const Entry& entry, const std::string& path) {
  return r.duration(entry, path, true);
}
double work_flops(const Reader& r, const Entry& entry, const std::string& path) {
  return r.quantity(entry, path, kWork);
}

CpuSpec read_cpu(const Reader& r, const Entry& entry, const std::string& path) {
  const Fields map = r.fields(entry.value, path, r.at(entry), "a map {cores, speed}", {"cores", "speed"});
  CpuSpec cpu;
  cpu.where = r.at(entry);
  if (const Entry* e = map.find("cores"))
    cpu.cores = static_cast<int>(r.integer(*e, child(path, "cores"), 1, kMaxCores));
  cpu.speed = r.quantity(r.required(map, "speed", "flop/s of each core, e.g. speed: 1Gf"),
                         child(path, "speed"), kSpeed);
  return cpu;
}

ServerSpec read_server(const Reader& r, const Entry& entry, const Scenario& scenario) {
  ServerSpec spec;
  spec.key = r.server_key(entry, "servers");
  spec.where = r.at(entry.key_node);
  const std::string path = fmt::format("servers[{}]", shown(entry.key));
  const Fields map = r.fields(entry.value, path, r.at(entry), "a map of server settings",
                              {"sessions", "backlog", "weight", "overflow", "service", "role", "relay",
                               "greylist", "reject", "uplink", "cpu", "work", "software"});
  // The preset first: the server's own sessions, backlog and overflow override it.
  if (const Entry* e = map.find("software"))
    apply_software(spec, *server_software(r.choice(*e, child(path, "software"), server_software_names())));
  if (const Entry* e = map.find("sessions"))
    spec.sessions = static_cast<int>(r.integer(*e, child(path, "sessions"), 1, kMaxSessions));
  if (const Entry* e = map.find("backlog"))
    spec.backlog = static_cast<int>(r.integer(*e, child(path, "backlog"), 0, kMaxBacklog));
  if (const Entry* e = map.find("weight")) {
    constexpr double kMaxWeight = 1e6;  // weights are relative: a million to one is plenty
    const auto weight_path = child(path, "weight");
    const auto expected = fmt::format("expected a number greater than 0 and at most {}", kMaxWeight);
    spec.weight = r.number(*e, weight_path, expected);
    if (spec.weight <= 0 || spec.weight > kMaxWeight) r.fail_expected(*e, weight_path, expected);
  }
  if (const Entry* e = map.find("overflow")) {
    static constexpr std::array<std::string_view, 3> kOverflows{"tempfail", "drop", "refuse"};
    const auto overflow = r.choice(*e, child(path, "overflow"), kOverflows);
    spec.overflow = overflow == "drop"     ? Overflow::drop
                    : overflow == "refuse" ? Overflow::refuse
                                           : Overflow::tempfail;
  }
  if (const Entry* e = map.find("service")) {
    static constexpr DistributionUnits kServiceUnits{"a duration", "the mean service time, e.g. mean: 200ms",
                                                     &service_time, kMaxTime, "long: the limit is 365d"};
    spec.service = read_distribution(r, *e, child(path, "service"), kServiceUnits);
  }
  if (const Entry* e = map.find("role")) {
    static constexpr std::array<std::string_view, 2> kRoles{"final", "relay"};
    spec.role = r.choice(*e, child(path, "role"), kRoles) == "relay" ? Role::relay : Role::final;
  }
  const Entry* relay = map.find("relay");
  if (relay != nullptr) {
    if (spec.role != Role::relay) fail(r.at(relay->key_node), path, "relay settings need role: relay");
    const auto relay_path = child(path, "relay");
    const Fields relay_map =
        r.fields(relay->value, relay_path, r.at(*relay), "a map {profile, rtt}", {"profile", "rtt"});
    spec.relay_profile = r.choice(r.required(relay_map, "profile", "the MTA profile the relay forwards with"),
                                  child(relay_path, "profile"), mta::profile_names());
    if (const Entry* e = relay_map.find("rtt"))
      spec.relay_rtt = r.duration(*e, child(relay_path, "rtt"), false);
  } else if (spec.role == Role::relay) {
    fail(map.where, path, "role relay needs relay: {profile: NAME}, the MTA profile it forwards with");
  }
  if (const Entry* e = map.find("greylist")) {
    const auto gl_path = child(path, "greylist");
    const Fields gl = r.fields(e->value, gl_path, r.at(*e), "a map {delay, window, max_age, key}",
                               {"delay", "window", "max_age", "key"});
    ServerSpec::Greylist greylist;
    if (const Entry* d = gl.find("delay")) greylist.delay = r.duration(*d, child(gl_path, "delay"), false);
    if (const Entry* w = gl.find("window")) greylist.window = r.duration(*w, child(gl_path, "window"), true);
    if (const Entry* m = gl.find("max_age"))
      greylist.max_age = r.duration(*m, child(gl_path, "max_age"), true);
    if (greylist.window <= greylist.delay)
      fail(gl.where, gl_path, "window must be longer than delay: retries are accepted between the two");
    if (const Entry* k = gl.find("key")) {
      static constexpr std::array<std::string_view, 2> kKeys{"mta-domain", "message"};
      greylist.key = r.choice(*k, child(gl_path, "key"), kKeys) == "message"
                         ? ServerSpec::Greylist::Key::message
                         : ServerSpec::Greylist::Key::mta_domain;
    }
    spec.greylist = greylist;
  }
  if (const Entry* e = map.find("reject")) {
    const auto rj_path = child(path, "reject");
    const Fields rj =
        r.fields(e->value, rj_path, r.at(*e), "a map {fraction, code, at}", {"fraction", "code", "at"});
    const Entry& fraction = r.required(rj, "fraction", "the share of sessions rejected, e.g. fraction: 0.01");
    spec.reject_fraction = r.number(fraction, child(rj_path, "fraction"), "expected a number from 0 to 1");
    if (!(spec.reject_fraction >= 0 && spec.reject_fraction <= 1))
      r.fail_expected(fraction, child(rj_path, "fraction"), "expected a number from 0 to 1");
    if (const Entry* c = rj.find("code"))
      spec.reject_code = static_cast<int>(r.integer(*c, child(rj_path, "code"), 500, 599));
    if (const Entry* a = rj.find("at")) {
      static constexpr std::array<std::string_view, 2> kStages{"greeting", "rcpt"};
      spec.reject_at = r.choice(*a, child(rj_path, "at"), kStages) == "greeting" ? ServerSpec::RejectAt::greeting
                                                                                 : ServerSpec::RejectAt::rcpt;
    }
  }
  if (const Entry* e = map.find("uplink")) spec.uplink = read_link(r, *e, child(path, "uplink"), scenario);
  const Entry* cpu = map.find("cpu");
  const Entry* work = map.find("work");
  if (cpu != nullptr && work == nullptr)
    fail(r.at(cpu->key_node), path,
         "missing key \"work\" (cpu needs the flops each message costs, e.g. work: 200Mf)");
  if (work != nullptr && cpu == nullptr)
    fail(r.at(work->key_node), path,
         "missing key \"cpu\" (work needs processors to run on, e.g. cpu: {cores: 8, speed: 1Gf})");
  if (cpu != nullptr) {
    static constexpr DistributionUnits kWorkUnits{"a number of flops such as 200Mf",
                                                  "the mean flops per message, e.g. mean: 200Mf", &work_flops,
                                                  kWork.max, kWork.limit};
    spec.cpu = read_cpu(r, *cpu, child(path, "cpu"));
    spec.work = read_distribution(r, *work, child(path, "work"), kWorkUnits);
  }
  return spec;
}

}  // namespace

void read_servers(const Reader& r, const Entry& entry, Scenario& scenario) {
  std::map<std::string, int> first_line;
  for (const auto& item :
       r.entries(entry.value, "servers", r.at(entry), "a map of servers by host or address")) {
    ServerSpec spec = read_server(r, item, scenario);
    const auto [seen, fresh] = first_line.emplace(spec.key, spec.where.line);
    if (!fresh)
      fail(spec.where, "servers",
           fmt::format("{} is given twice (first at line {})", shown(spec.key), seen->second));
    scenario.servers.push_back(std::move(spec));
  }
}

}  // namespace mxsim::scenario
