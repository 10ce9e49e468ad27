// Hosts, links, routes and their fault profiles for a run; the SimGrid
// activities of network sessions. See platform.hpp.
#include "engine/platform.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>
#include <simgrid/simix.hpp>

#include "util/error.hpp"

namespace mxsim::engine {
namespace {

using Window = model::DownWindow;

// Stand-in for "no limit" on the fat pipe that carries a pair's latency: a
// petabyte per second never constrains a transfer.
constexpr double kUnlimitedBandwidth = 1e15;

struct Builder {
  sg4::Engine& engine;
  const scenario::Scenario& scenario;
  model::World& world;
  bool network;
  Platform platform;
  std::map<std::string, std::vector<sg4::Link*>> named_links;  // "uplink:KEY" and "link:GROUP"

  void build_from_scenario() {
    auto* zone = sg4::create_full_zone("mxsim");
    platform.driver = zone->create_host("driver", 1e9);
    const auto servers = static_cast<std::uint32_t>(world.server_count());
    std::vector<sg4::Link*> uplinks(servers, nullptr);
    for (std::uint32_t s = 0; s < servers; ++s) {
      const auto& spec = world.server_spec(s);
      const double speed = spec.cpu ? spec.cpu->speed : 1e9;
      auto* host = zone->create_host(fmt::format("server-{}-{}", s, world.server_address(s)), speed);
      if (spec.cpu) host->set_core_count(spec.cpu->cores);
      platform.servers.push_back(host);
      if (network && spec.uplink) {
        uplinks[s] = zone->create_link("uplink:" + world.server_address(s), spec.uplink->bandwidth)
                         ->set_latency(spec.uplink->latency);
        named_links["uplink:" + spec.key].push_back(uplinks[s]);
      }
    }
    const auto groups = static_cast<std::uint32_t>(world.group_count());
    for (std::uint32_t g = 0; g < groups; ++g) {
      const int relay = world.group_relay_server(g);
      if (relay >= 0) {
        platform.groups.push_back(platform.servers[static_cast<std::size_t>(relay)]);
        continue;
      }
      platform.groups.push_back(zone->create_host(fmt::format("sender-{}:{}", g, world.group_name(g)), 1e9));
    }
    if (!network) {
      zone->seal();
      return;
    }
    std::vector<sg4::Link*> group_links(groups, nullptr);
    for (std::uint32_t g = 0; g < groups; ++g) {
      const int relay = world.group_relay_server(g);
      if (relay >= 0) {
        group_links[g] = uplinks[static_cast<std::size_t>(relay)];  // a relay sends over its own uplink
        continue;
      }
      const auto& spec = scenario.senders[g];
      if (!spec.link) continue;
      group_links[g] = zone->create_link("link:" + spec.name, spec.link->bandwidth)->set_latency(spec.link->latency);
      named_links["link:" + spec.name].push_back(group_links[g]);
    }
    platform.routes.assign(groups, std::vector<std::vector<sg4::Link*>>(servers));
    for (std::uint32_t g = 0; g < groups; ++g) {
      for (std::uint32_t s = 0; s < servers; ++s) {
        if (platform.groups[g] == platform.servers[s]) continue;  // a relay never sends to itself
        auto* wan = zone->create_link(fmt::format("wan-{}-{}", g, s), kUnlimitedBandwidth)
                        ->set_sharing_policy(sg4::Link::SharingPolicy::FATPIPE)
                        ->set_latency(world.group_rtt(g, s) / 2);
        std::vector<sg4::LinkInRoute> route;
        if (group_links[g] != nullptr) route.emplace_back(group_links[g]);
        route.emplace_back(wan);
        if (uplinks[s] != nullptr) route.emplace_back(uplinks[s]);
        // One direction only: DATA flows from the sender to the server, and a
        // relay's reverse route would clash with the other relay's forward one.
        zone->add_route(platform.groups[g]->get_netpoint(), platform.servers[s]->get_netpoint(), nullptr, nullptr,
                        route, /*symmetrical=*/false);
      }
    }
    zone->seal();
  }

  sg4::Host* platform_host(const std::vector<std::string>& names, const std::string& what) const {
    for (const auto& n : names)
      if (auto* h = sg4::Host::by_name_or_null(n)) return h;
    std::string tried;
    for (const auto& n : names) tried += (tried.empty() ? "\"" : " or \"") + n + "\"";
    throw util::InputError(scenario.platform_where,
                           fmt::format("platform: {} has no host named {} (for {})", *scenario.platform, tried, what));
  }

  void build_from_file() {
    try {
      engine.load_platform(*scenario.platform);
    } catch (const std::exception& e) {
      throw util::InputError(scenario.platform_where,
                             fmt::format("platform: {} could not be loaded: {}", *scenario.platform, e.what()));
    }
    const auto servers = static_cast<std::uint32_t>(world.server_count());
    for (std::uint32_t s = 0; s < servers; ++s)
      platform.servers.push_back(platform_host({world.server_host(s), world.server_address(s)},
                                               fmt::format("server {}", world.server_address(s))));
    const auto groups = static_cast<std::uint32_t>(world.group_count());
    for (std::uint32_t g = 0; g < groups; ++g) {
      const int relay = world.group_relay_server(g);
      platform.groups.push_back(relay >= 0 ? platform.servers[static_cast<std::size_t>(relay)]
                                           : platform_host({world.group_name(g)},
                                                           fmt::format("sender group {}", world.group_name(g))));
    }
    // The model's actor needs a host that stays up: the first sender group's.
    platform.driver = platform.groups.front();
    for (auto* h : engine.get_all_hosts())
      if (h->get_core_count() < 1) h->set_core_count(1);
  }

  // Routes and round trips: twice the route latency (network sessions).
  void read_routes() {
    const auto groups = platform.groups.size();
    const auto servers = platform.servers.size();
    platform.routes.assign(groups, std::vector<std::vector<sg4::Link*>>(servers));
    for (std::uint32_t g = 0; g < groups; ++g) {
      for (std::uint32_t s = 0; s < servers; ++s) {
        if (platform.groups[g] == platform.servers[s]) continue;
        double latency = 0;
        auto& links = platform.routes[g][s];
        try {
          platform.groups[g]->route_to(platform.servers[s], links, &latency);
        } catch (const std::exception& e) {
          throw util::InputError(scenario.platform_where,
                                 fmt::format("platform: no route from {} to {}: {}", platform.groups[g]->get_name(),
                                             platform.servers[s]->get_name(), e.what()));
        }
        world.set_round_trip(g, s, 2 * latency);
      }
    }
  }

  // `down` events: host state profiles (one host may carry several servers).
  void host_faults() {
    const double bound = world.time_bound();
    std::map<sg4::Host*, std::vector<const scenario::Event*>> events;
    for (std::uint32_t s = 0; s < platform.servers.size(); ++s)
      for (const auto* e : world.down_events(s)) events[platform.servers[s]].push_back(e);
    int n = 0;
    for (auto& [host, list] : events) {
      model::MergedWindows probe(list, bound);
      if (Window first; !probe.next(first)) continue;  // every window after the run
      if (network)
        host->set_state_profile(host_profile(fmt::format("down-{}", n++), model::MergedWindows(list, bound)));
      platform.host_changes.add(host, model::MergedWindows(list, bound));
    }
  }

  std::vector<sg4::Link*> links_named(const scenario::Event& e) const {
    if (auto it = named_links.find(e.target); it != named_links.end()) return it->second;
    if (scenario.platform)
      if (auto* link = sg4::Link::by_name_or_null(e.target)) return {link};
    throw util::InputError(e.where, fmt::format("target: no link named \"{}\"{}", e.target,
                                                scenario.platform ? " in the platform file" : ""));
  }

  // Link `down` and `degrade` events: changes for the faults actor.
  void link_faults() {
    const double bound = world.time_bound();
    std::map<sg4::Link*, std::vector<const scenario::Event*>> down;
    for (const auto& e : scenario.events) {
      if (!e.on_link) continue;
      for (auto* link : links_named(e)) {
        if (e.fault != scenario::Fault::degrade) {
          down[link].push_back(&e);
          continue;
        }
        platform.link_changes.add_degrade(link, e, bound);
      }
    }
    for (auto& [link, list] : down) platform.link_changes.add_down(link, model::MergedWindows(list, bound));
  }
};

}  // namespace

Platform build_platform(sg4::Engine& engine, const scenario::Scenario& scenario, model::World& world) {
  const bool network = scenario.engine.sessions == scenario::SessionKind::network;
  Builder b{.engine = engine, .scenario = scenario, .world = world, .network = network, .platform = {}, .named_links = {}};
  if (scenario.platform) {
    b.build_from_file();
  } else {
    b.build_from_scenario();
  }
  if (network) b.read_routes();
  b.host_faults();
  b.link_faults();
  return std::move(b.platform);
}

Activities::Activities(const Platform& platform) : platform_(platform) {
  // SimGrid 3.32's completion signal takes callbacks for the process and
  // never lets them go: one callback, finding the job through the
  // activity's data (null for any other activity).
  static const bool connected = [] {
    sg4::Activity::on_completion_cb([](const sg4::Activity& activity) {
      if (auto* job = activity.get_data<Job>())
        job->owner->ended(*job, activity.get_state() == sg4::Activity::State::FINISHED);
    });
    return true;
  }();
  (void)connected;
}

Activities::~Activities() {
  for (auto& job : jobs_)
    if (job.activity) job.activity->set_data(nullptr);
}

template <typename Start>
void Activities::launch(Ticket ticket, Use use, double then_flops, Start start) {
  if (idle_.empty()) {
    jobs_.emplace_back();
    jobs_.back().owner = this;
    idle_.push_back(&jobs_.back());
  }
  auto& job = *idle_.back();
  idle_.pop_back();
  job.ticket = ticket;
  job.use = use;
  job.then_flops = then_flops;
  job.cut = false;
  // Started by the maestro, whatever actor asks: SimGrid reports the end of
  // the maestro's activities itself (EngineImpl::handle_ended_actions), for
  // ended() to hear.
  simgrid::kernel::actor::simcall_answered([&job, &start] {
    job.activity = start();
    job.activity->set_data(&job);
  });
}

sg4::ActivityPtr Activities::start_work(std::uint32_t server, double flops) const {
  // Pitfall: Host::exec_async runs on the caller's host; set the host explicitly.
  return sg4::Exec::init()->set_flops_amount(flops)->set_host(platform_.servers[server])->start();
}

bool Activities::transfer(Ticket ticket, std::uint32_t group, std::uint32_t server, double bytes) {
  return transfer_then_compute(ticket, group, server, bytes, 0);
}

bool Activities::transfer_then_compute(Ticket ticket, std::uint32_t group, std::uint32_t server, double bytes,
                                       double flops) {
  // Pitfall: a communication to a host that is off aborts the process.
  auto* from = platform_.groups[group];
  auto* to = platform_.servers[server];
  if (!to->is_on() || !reachable(group, server)) return false;
  // At least a byte: SimGrid 3.32 never completes a transfer of zero bytes
  // (it stays STARTING), and a DATA phase always carries something.
  const auto size = std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::llround(bytes)));
  launch(ticket, {Use::Kind::transfer, group, server}, flops,
         [from, to, size] { return sg4::Comm::sendto_async(from, to, size); });
  return true;
}

bool Activities::compute(Ticket ticket, std::uint32_t server, double flops) {
  if (!platform_.servers[server]->is_on()) return false;
  launch(ticket, {Use::Kind::work, 0, server}, 0, [this, server, flops] { return start_work(server, flops); });
  return true;
}

void Activities::ended(Job& job, bool finished) {
  job.activity->set_data(nullptr);  // SimGrid may signal a cancelled activity twice
  retired_.push_back(std::move(job.activity));
  // SimGrid signals FINISHED before it looks at the hosts (CommImpl::post,
  // ExecImpl::post): an activity whose host is off by then has failed.
  const bool server_on = platform_.servers[job.use.server]->is_on();
  bool ok = finished && server_on &&
            (job.use.kind == Use::Kind::work || platform_.groups[job.use.group]->is_on());
  if (ok && !job.cut && job.then_flops > 0) {
    // The work that follows the transfer starts now, as the model would
    // have started it on hearing of the transfer's end (compute()); in the
    // kernel already, as launch() starts activities.
    job.activity = start_work(job.use.server, job.then_flops);
    job.activity->set_data(&job);
    job.use.kind = Use::Kind::work;
    job.then_flops = 0;
    return;
  }
  if (!job.cut) ended_.emplace_back(job.ticket, ok);
  idle_.push_back(&job);
  ready_->release();
}

void Activities::stop() {
  cut();
  for (auto& job : jobs_) {
    // A cut transfer is left to end: cancelling a failing transfer crashes 3.32.
    if (!job.activity || job.cut) continue;
    job.activity->set_data(nullptr);
    job.activity->cancel();
  }
}

bool Activities::reachable(std::uint32_t group, std::uint32_t server) {
  if (!platform_.groups[group]->is_on()) return false;
  for (const auto* link : platform_.routes[group][server])
    if (!link->is_on()) return false;
  return true;
}

void Activities::host_changed(const sg4::Host& host) {
  if (!host.is_on()) hosts_down_.push_back(&host);
}

void Activities::link_changed(const sg4::Link& link) {
  if (!link.is_on()) links_down_.push_back(&link);
}

bool Activities::crosses_failure(const Use& use) const {
  auto down = [this](const sg4::Host* h) {
    return std::find(hosts_down_.begin(), hosts_down_.end(), h) != hosts_down_.end();
  };
  if (down(platform_.servers[use.server])) return true;
  if (use.kind == Use::Kind::work) return false;
  if (down(platform_.groups[use.group])) return true;
  for (const auto* link : platform_.routes[use.group][use.server])
    if (std::find(links_down_.begin(), links_down_.end(), link) != links_down_.end()) return true;
  return false;
}

void Activities::cut() {
  if (hosts_down_.empty() && links_down_.empty()) return;
  for (auto& job : jobs_) {
    if (!job.activity || job.cut || !crosses_failure(job.use)) continue;
    // Not cancelled: SimGrid is failing it already, and cancelling a failing
    // transfer crashes 3.32. ended() drops SimGrid's report of its end.
    job.cut = true;
    ended_.emplace_back(job.ticket, false);
  }
  hosts_down_.clear();
  links_down_.clear();
}

}  // namespace mxsim::engine
