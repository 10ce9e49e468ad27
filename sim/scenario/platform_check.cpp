// Platform files checked before SimGrid reads them (platform_check.hpp).
// Reachability follows SimGrid's routing: a route between two hosts is
// looked up in their lowest common zone, between the two netpoints (hosts,
// routers or child zones) that lead to them there; a route that reaches a
// child zone continues from its gateway inside that zone. Full zones need the
// route declared; Floyd and Dijkstra compose declared routes; cluster-like
// zones (Cluster, Vivaldi, Star, Wifi) connect all their hosts; None none.
#include "scenario/platform_check.hpp"

#include <algorithm>
#include <array>
#include <deque>
#include <map>
#include <optional>
#include <unordered_map>

#include <fmt/format.h>

#include "scenario/platform_xml.hpp"
#include "scenario/text.hpp"
#include "scenario/yaml_reader.hpp"

namespace mxsim::scenario {
namespace {

using util::InputError;

constexpr int kMaxDepth = 64;  // of nested elements; zones nest far less in practice

enum class Routing { full, graph, all, none };

struct Zone {
  std::string id;
  Routing routing = Routing::full;
  int parent = -1;    // zone index
  int point = -1;     // its netpoint (in its parent)
  Location where;
  std::unordered_map<std::uint64_t, int> direct;  // (from, to) netpoints -> edge, both ways of a symmetrical route
  std::unordered_map<int, std::vector<int>> out;  // graph routing: netpoint -> edges leaving it
};

struct Point {
  int zone = -1;       // the zone it sits in
  int self_zone = -1;  // >= 0: this netpoint is that zone
  bool host = false;
};

struct Edge {
  int from = -1, to = -1, gw_src = -1, gw_dst = -1;
  bool declared = true;  // false: the reverse of a symmetrical route
  Location where;
};

struct Failure {
  Location where;
  std::string why;
};

std::uint64_t key(int from, int to) {
  return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(from)) << 32) | static_cast<std::uint32_t>(to);
}

// Cluster radicals: "0-3,7" -> 0 1 2 3 7.
std::vector<long long> radical_numbers(const std::string& radical, const Location& where, const Limits& limits) {
  const std::uint64_t cap = limits.platform_hosts;
  std::vector<long long> out;
  std::size_t start = 0;
  while (start <= radical.size()) {
    const auto comma = std::min(radical.find(',', start), radical.size());
    const std::string part = radical.substr(start, comma - start);
    const auto dash = part.find('-', 1);
    long long low = 0, high = 0;
    try {
      std::size_t used = 0;
      low = std::stoll(part.substr(0, dash), &used);
      if (used != part.substr(0, dash).size()) throw std::invalid_argument(part);
      high = low;
      if (dash != std::string::npos) {
        high = std::stoll(part.substr(dash + 1), &used);
        if (used != part.size() - dash - 1) throw std::invalid_argument(part);
      }
    } catch (const std::exception&) {
      throw InputError(where, fmt::format("radical {}: expected numbers and ranges like 0-15,20", shown(radical)));
    }
    if (high < low) throw InputError(where, fmt::format("radical {}: a range that runs backwards", shown(radical)));
    for (long long n = low; n <= high; ++n) {
      if (out.size() >= cap)
        throw InputError(where, fmt::format("radical {} names too many hosts: {}", shown(radical),
                                            limit_note(limits, "platform_hosts")));
      out.push_back(n);
    }
    start = comma + 1;
  }
  return out;
}

class PlatformMap {
 public:
  PlatformMap(const xml::Document& doc, const Limits& limits) : limits_(limits) {
    const auto& root = doc.elements.front();
    if (root.name != "platform")
      throw InputError(root.where, fmt::format("<{}>: a platform file starts with <platform version=\"4.1\">", root.name));
    std::vector<int> zone_of(doc.elements.size(), -1);  // by element: the zone it opens, else its parent's
    for (std::size_t i = 1; i < doc.elements.size(); ++i) {
      const auto& e = doc.elements[i];
      const int parent_zone = zone_of[static_cast<std::size_t>(e.parent)];
      zone_of[i] = parent_zone;
      element(e, parent_zone, zone_of[i]);
    }
    resolve_routes();
  }

  // The host netpoint of the first name the file declares as a host, or -1.
  int host(const std::vector<std::string>& names) const {
    for (const auto& n : names)
      if (auto it = names_.find(n); it != names_.end() && points_[static_cast<std::size_t>(it->second)].host)
        return it->second;
    return -1;
  }
  const std::string& name(int point) const { return point_names_[static_cast<std::size_t>(point)]; }

  std::optional<Failure> reach(int a, int b, int depth = 0) {
    if (a == b) return std::nullopt;
    if (depth > 0)
      if (auto it = memo_.find(key(a, b)); it != memo_.end()) return it->second;
    auto result = reach_once(a, b, depth);
    if (depth > 0) memo_.emplace(key(a, b), result);
    return result;
  }

 private:
  void element(const xml::Element& e, int parent_zone, int& zone_here) {
    for (const auto& [attr, value] : e.attributes)
      if (attr.size() >= 4 && attr.compare(attr.size() - 4, 4, "file") == 0)
        throw InputError(e.where, fmt::format("<{} {}=...>: mxsim does not let a platform file make SimGrid read "
                                              "other files",
                                              e.name, attr));
    const std::string& n = e.name;
    if (n == "zone" || n == "AS") {
      zone_here = add_zone(e, parent_zone, routing_of(e));
    } else if (n == "cluster") {
      zone_here = add_zone(e, parent_zone, Routing::all);
      const std::string prefix = attr_or(e, "prefix", ""), suffix = attr_or(e, "suffix", "");
      for (const long long k : radical_numbers(required(e, "radical"), e.where, limits_))
        add_point(prefix + std::to_string(k) + suffix, e, zone_here, true);
      add_point(attr_or(e, "router_id", prefix + zones_[static_cast<std::size_t>(zone_here)].id + "_router" + suffix),
                e, zone_here, false);
    } else if (n == "host" || n == "peer") {
      add_point(required(e, "id"), e, in_zone(e, parent_zone), true);
    } else if (n == "router") {
      add_point(required(e, "id"), e, in_zone(e, parent_zone), false);
    } else if (n == "cabinet") {
      const std::string prefix = attr_or(e, "prefix", ""), suffix = attr_or(e, "suffix", "");
      for (const long long k : radical_numbers(required(e, "radical"), e.where, limits_))
        add_point(prefix + std::to_string(k) + suffix, e, in_zone(e, parent_zone), true);
    } else if (n == "route" || n == "zoneRoute" || n == "ASroute" || n == "bypassRoute" ||
               n == "bypassZoneRoute" || n == "bypassASroute") {
      routes_.push_back({&e, in_zone(e, parent_zone)});
    } else if (n == "link" || n == "backbone" || n == "link_ctn" || n == "prop" || n == "disk" || n == "host_link" ||
               n == "model_prop") {
      // Links and properties change no reachability.
    } else if (n == "config" || n == "include") {
      throw InputError(e.where, fmt::format("<{}>: mxsim sets SimGrid's configuration itself; a platform file may "
                                            "not change it or pull in other files",
                                            n));
    } else if (n == "actor" || n == "process" || n == "argument") {
      throw InputError(e.where, fmt::format("<{}>: a deployment element; mxsim starts its own actors", n));
    } else {
      throw InputError(e.where, fmt::format("<{}>: not an element of SimGrid's platform format 4.1", n));
    }
  }

  Routing routing_of(const xml::Element& e) const {
    const std::string& r = required(e, "routing");
    if (r == "Full") return Routing::full;
    if (r == "Floyd" || r == "Dijkstra" || r == "DijkstraCache") return Routing::graph;
    if (r == "Cluster" || r == "Vivaldi" || r == "Star" || r == "Wifi") return Routing::all;
    if (r == "None") return Routing::none;
    throw InputError(e.where, fmt::format("routing={}: expected Full, Floyd, Dijkstra, DijkstraCache, Cluster, "
                                          "Vivaldi, Star, Wifi or None",
                                          shown(r)));
  }

  static const std::string& required(const xml::Element& e, std::string_view attr) {
    if (const auto* v = e.attribute(attr)) return *v;
    throw InputError(e.where, fmt::format("<{}> needs {}=\"...\"", e.name, attr));
  }
  static std::string attr_or(const xml::Element& e, std::string_view attr, const std::string& fallback) {
    const auto* v = e.attribute(attr);
    return v != nullptr ? *v : fallback;
  }
  static int in_zone(const xml::Element& e, int zone) {
    if (zone < 0) throw InputError(e.where, fmt::format("<{}> outside any <zone>", e.name));
    return zone;
  }

  int add_zone(const xml::Element& e, int parent, Routing routing) {
    if (parent < 0 && !zones_.empty())
      throw InputError(e.where, "a second top-level zone: a platform has one, the others nest in it");
    const int index = static_cast<int>(zones_.size());
    zones_.push_back(Zone{.id = required(e, "id"), .routing = routing, .parent = parent, .point = -1,
                          .where = e.where, .direct = {}, .out = {}});
    if (parent >= 0) {
      zones_.back().point = add_point(zones_.back().id, e, parent, false);
      points_[static_cast<std::size_t>(zones_.back().point)].self_zone = index;
    }
    return index;
  }

  int add_point(const std::string& id, const xml::Element& e, int zone, bool host) {
    if (points_.size() >= limits_.platform_hosts)
      throw InputError(e.where, fmt::format("more hosts, routers and zones than {}",
                                            limit_note(limits_, "platform_hosts")));
    const int index = static_cast<int>(points_.size());
    if (!names_.emplace(id, index).second)
      throw InputError(e.where, fmt::format("{} is declared twice: hosts, routers and zones share one namespace",
                                            shown(id)));
    points_.push_back({.zone = zone, .self_zone = -1, .host = host});
    point_names_.push_back(id);
    return index;
  }

  int point_named(const xml::Element& e, std::string_view attr, bool optional) const {
    const auto* v = e.attribute(attr);
    if (v == nullptr) {
      if (optional) return -1;
      throw InputError(e.where, fmt::format("<{}> needs {}=\"...\"", e.name, attr));
    }
    auto it = names_.find(*v);
    if (it == names_.end())
      throw InputError(e.where, fmt::format("<{} {}={}>: no host, router or zone has that id", e.name, attr,
                                            shown(*v)));
    return it->second;
  }

  void resolve_routes() {
    for (const auto& [e, zone] : routes_) {
      Edge edge{.from = point_named(*e, "src", false), .to = point_named(*e, "dst", false),
                .gw_src = point_named(*e, "gw_src", true), .gw_dst = point_named(*e, "gw_dst", true),
                .declared = true, .where = e->where};
      const std::string symmetrical = attr_or(*e, "symmetrical", "YES");
      if (symmetrical != "YES" && symmetrical != "NO" && symmetrical != "yes" && symmetrical != "no")
        throw InputError(e->where, fmt::format("symmetrical={}: expected YES or NO", shown(symmetrical)));
      add_edge(zone, edge);
      if (symmetrical == "YES" || symmetrical == "yes")
        add_edge(zone, Edge{.from = edge.to, .to = edge.from, .gw_src = edge.gw_dst, .gw_dst = edge.gw_src,
                            .declared = false, .where = edge.where});
    }
  }

  void add_edge(int zone, const Edge& edge) {
    auto& z = zones_[static_cast<std::size_t>(zone)];
    const int index = static_cast<int>(edges_.size());
    edges_.push_back(edge);
    z.direct.emplace(key(edge.from, edge.to), index);  // the first declared wins, as in SimGrid's table
    if (z.routing == Routing::graph) z.out[edge.from].push_back(index);
  }

  // The zones from `point`'s own up to the top one.
  std::vector<int> zones_above(int point) const {
    std::vector<int> chain;
    for (int z = points_[static_cast<std::size_t>(point)].zone; z >= 0; z = zones_[static_cast<std::size_t>(z)].parent)
      chain.push_back(z);
    return chain;
  }

  // The netpoint in `zone` that contains `point` (itself, or a child zone's).
  int child_in(int zone, int point) const {
    int p = point;
    while (points_[static_cast<std::size_t>(p)].zone != zone)
      p = zones_[static_cast<std::size_t>(points_[static_cast<std::size_t>(p)].zone)].point;
    return p;
  }

  bool inside(int point, int zone) const {
    for (const int z : zones_above(point))
      if (z == zone) return true;
    return false;
  }

  std::string zone_text(int zone) const {
    return fmt::format("zone {} (line {})", shown(zones_[static_cast<std::size_t>(zone)].id),
                       zones_[static_cast<std::size_t>(zone)].where.line);
  }

  // The route between two netpoints of one zone as its first and last edges.
  std::optional<std::pair<int, int>> route_in(const Zone& z, int from, int to) const {
    if (auto it = z.direct.find(key(from, to)); it != z.direct.end()) return std::pair{it->second, it->second};
    if (z.routing != Routing::graph) return std::nullopt;
    // Breadth-first over the declared routes (Floyd and Dijkstra compose them).
    std::unordered_map<int, int> first_edge;  // netpoint -> the first edge of a path to it
    std::deque<int> todo{from};
    first_edge[from] = -1;
    while (!todo.empty()) {
      const int at = todo.front();
      todo.pop_front();
      const auto out = z.out.find(at);
      if (out == z.out.end()) continue;
      for (const int e : out->second) {
        const int next = edges_[static_cast<std::size_t>(e)].to;
        if (first_edge.count(next)) continue;
        first_edge[next] = at == from ? e : first_edge[at];
        if (next == to) return std::pair{first_edge[next], e};
        todo.push_back(next);
      }
    }
    return std::nullopt;
  }

  std::optional<Failure> reach_once(int a, int b, int depth) {
    if (depth > kMaxDepth) return Failure{zones_.front().where, "gateways lead round in a circle"};
    const auto above_a = zones_above(a);
    int lca = -1;
    for (const int z : zones_above(b))
      if (std::find(above_a.begin(), above_a.end(), z) != above_a.end()) {
        lca = z;
        break;
      }
    if (lca < 0) return Failure{zones_.front().where, "the two hosts are in no common zone"};
    const Zone& z = zones_[static_cast<std::size_t>(lca)];
    const int ca = child_in(lca, a), cb = child_in(lca, b);
    if (z.routing == Routing::all) return std::nullopt;
    if (z.routing == Routing::none)
      return Failure{z.where, fmt::format("{} has routing=\"None\": no route leads through it", zone_text(lca))};
    const auto route = route_in(z, ca, cb);
    if (!route) {
      // Only the other direction: a route declared symmetrical="NO".
      if (auto back = z.direct.find(key(cb, ca)); back != z.direct.end())
        return Failure{edges_[static_cast<std::size_t>(back->second)].where,
                       fmt::format("this route from {} to {} is one-way (symmetrical=\"NO\") and no route leads back "
                                   "from {} to {}",
                                   shown(name(cb)), shown(name(ca)), shown(name(ca)), shown(name(cb)))};
      return Failure{z.where, fmt::format("{} declares no route from {} to {}", zone_text(lca), shown(name(ca)),
                                          shown(name(cb)))};
    }
    const Edge& first = edges_[static_cast<std::size_t>(route->first)];
    const Edge& last = edges_[static_cast<std::size_t>(route->second)];
    if (ca != a) {
      const int zone = points_[static_cast<std::size_t>(ca)].self_zone;
      if (first.gw_src < 0 || !inside(first.gw_src, zone))
        return Failure{first.where, fmt::format("the route from zone {} needs gw_src, a host or router inside that zone",
                                                shown(name(ca)))};
      if (auto f = reach(a, first.gw_src, depth + 1)) return f;
    }
    if (cb != b) {
      const int zone = points_[static_cast<std::size_t>(cb)].self_zone;
      if (last.gw_dst < 0 || !inside(last.gw_dst, zone))
        return Failure{last.where, fmt::format("the route to zone {} needs gw_dst, a host or router inside that zone",
                                               shown(name(cb)))};
      if (auto f = reach(last.gw_dst, b, depth + 1)) return f;
    }
    return std::nullopt;
  }

  const Limits& limits_;
  std::vector<Zone> zones_;
  std::vector<Point> points_;
  std::vector<std::string> point_names_;
  std::unordered_map<std::string, int> names_;
  std::vector<Edge> edges_;
  std::vector<std::pair<const xml::Element*, int>> routes_;  // the element and its zone
  std::unordered_map<std::uint64_t, std::optional<Failure>> memo_;
};

}  // namespace

PlatformBinding platform_binding(const Scenario& scenario, const Topology& topology) {
  PlatformBinding binding;
  for (const auto& s : topology.servers())
    binding.servers.push_back({.names = {s.host, s.address}, .what = fmt::format("server {} ({})", s.host, s.address)});
  for (const auto& g : scenario.senders)
    binding.groups.push_back({.names = {g.name}, .what = fmt::format("sender group {}", g.name)});
  for (const auto& s : topology.servers())
    if (s.spec.role == Role::relay)
      binding.groups.push_back({.names = {s.host, s.address}, .what = fmt::format("relay {}", s.host)});
  return binding;
}

void check_platform_text(std::string_view text, const std::string& file, const PlatformBinding& binding,
                         const Location& platform_where, const Limits& limits) {
  const auto doc = xml::read(text, file, kMaxDepth, limits.platform_hosts * 4);
  PlatformMap map(doc, limits);
  auto host_of = [&](const PlatformBinding::Host& h) {
    const int point = map.host(h.names);
    if (point >= 0) return point;
    std::string tried;
    for (const auto& n : h.names) tried += (tried.empty() ? "\"" : " or \"") + n + "\"";
    throw InputError(platform_where, fmt::format("platform: {} has no host named {} (for {})", file, tried, h.what));
  };
  std::vector<int> servers, groups;
  for (const auto& h : binding.servers) servers.push_back(host_of(h));
  for (const auto& h : binding.groups) groups.push_back(host_of(h));
  for (std::size_t g = 0; g < groups.size(); ++g)
    for (std::size_t s = 0; s < servers.size(); ++s) {
      const std::array<std::pair<int, int>, 2> ways{{{groups[g], servers[s]}, {servers[s], groups[g]}}};
      for (const auto& [from, to] : ways)
        if (auto failure = map.reach(from, to))
          throw InputError(failure->where,
                           fmt::format("no route from host {} to host {} ({} and {}): {}; SimGrid needs a route each "
                                       "way between every sender's host and every server's host",
                                       shown(map.name(from)), shown(map.name(to)), binding.groups[g].what,
                                       binding.servers[s].what, failure->why));
    }
}

void check_platform(const Scenario& scenario, const Topology& topology, const Limits& limits) {
  if (!scenario.platform) return;
  std::string text;
  switch (read_capped(*scenario.platform, limits.file_size, text)) {
    case ReadStatus::ok: break;
    case ReadStatus::too_large:
      throw InputError(scenario.platform_where,
                       fmt::format("platform: {} is too large: {}", *scenario.platform, limit_note(limits, "file_size")));
    case ReadStatus::failed:
      throw InputError(scenario.platform_where, fmt::format("platform: cannot read {}", *scenario.platform));
  }
  check_platform_text(text, *scenario.platform, platform_binding(scenario, topology), scenario.platform_where, limits);
}

}  // namespace mxsim::scenario
