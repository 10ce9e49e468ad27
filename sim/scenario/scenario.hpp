// The scenario as mxsim understands it after loading: plain data, validated
// for syntax and units, with the location of every entry for later errors.
// The file format is docs/scenario-format.md (the public contract).
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "dns/zone.hpp"
#include "scenario/limits.hpp"
#include "util/error.hpp"

namespace mxsim::scenario {

using util::Location;

inline constexpr double kForever = std::numeric_limits<double>::infinity();

// A service-time (or any positive-valued) distribution.
struct Distribution {
  enum class Kind { constant, exponential, lognormal };
  Kind kind = Kind::constant;
  double mean = 0.1;   // seconds; for lognormal, the mean of the variable itself
  double sigma = 0.0;  // lognormal only: the shape (std-dev of the log)
};

// A link of the `network` session model: bytes per second and one-way
// seconds. Bandwidth is required wherever a link is written.
struct LinkSpec {
  Location where;
  double bandwidth = 0;  // bytes/s
  double latency = 0;    // s, one way
};

// A server's processors in the `network` session model.
struct CpuSpec {
  Location where;
  int cores = 1;
  double speed = 1e9;  // flop/s per core
};

// What a full server (sessions and backlog taken) does with one more connection.
enum class Overflow {
  tempfail,  // 421 at the greeting
  drop,      // the SYN is not answered
  refuse,    // a TCP reset
};
enum class Role { final, relay };

struct ServerSpec {
  std::string key;  // host name (fully qualified, lower case, trailing dot) or address text
  Location where;   // of the key
  int sessions = 100;
  int backlog = 0;
  double weight = 1;  // `weighted` selection: relative share within a preference level (> 0)
  Overflow overflow = Overflow::tempfail;
  Distribution service{Distribution::Kind::constant, 0.1, 0.0};
  Role role = Role::final;
  std::string relay_profile;  // role relay: the profile the relay forwards with
  double relay_rtt = 0.05;    // role relay: round trip from the relay to the better MX hosts

  // Greylisting as postgrey does it (model/server.cpp, Server::greylisted):
  // the first attempt of each key gets 450; a retry at least `delay` after
  // the first passes, unless it comes more than `window` after the first;
  // a key that passed keeps passing until `max_age` goes by without traffic.
  struct Greylist {
    double delay = 300;           // postgrey --delay=300 (s)
    double window = 2 * 86400;    // postgrey --retry-window=2 (days)
    double max_age = 35 * 86400;  // postgrey --max-age=35 (days since last seen)
    enum class Key { mta_domain, message } key = Key::mta_domain;
  };
  std::optional<Greylist> greylist;

  // Permanent failures: this fraction of sessions gets `code` (5xx), as the
  // greeting or as the reply to MAIL, RCPT or DATA (the sender's reaction
  // differs: model/server.hpp, rejection_bounces).
  enum class RejectAt { greeting, rcpt };
  double reject_fraction = 0;
  int reject_code = 550;
  RejectAt reject_at = RejectAt::rcpt;

  // The `network` session model (engine: {sessions: network}).
  std::optional<LinkSpec> uplink;     // the server's access link
  std::optional<CpuSpec> cpu;         // needs `work`
  std::optional<Distribution> work;   // flops per message (Distribution::mean in flops); needs `cpu`
};

struct SenderGroup {
  std::string name;
  Location where;
  int mtas = 1;
  std::string profile = "rfc5321";
  std::optional<std::string> selection;  // overrides the profile's ordering
  double rate = 0;                        // messages per second, Poisson, whole group
  // Seconds, to every server without an entry below (`rtt: {default: X}` is read here).
  double rtt = 0.05;
  std::map<std::string, double> rtt_by_server;  // key: server key as in `servers`
  std::map<std::string, Location> rtt_where;    // of each key of rtt_by_server
  std::vector<std::pair<std::string, double>> to;  // domain (fqdn, trailing dot) and weight
  std::vector<Location> to_where;                  // of each domain of `to`
  double dns_latency = 0;  // seconds each DNS query that misses the cache costs
  // How many caching resolvers the group's MTAs share (MTA i uses resolver
  // i mod N); 0: one of its own per MTA.
  int resolvers = 0;
  // The sending hosts' kernel: its SYN retries end a connect attempt to a
  // silent host before a longer MTA timeout does (mta/kernel.hpp). A name of
  // mta::kernel_names(), or the limit itself in seconds (`os: 90s`).
  std::string os = "linux";
  double os_connect_limit = -1;  // > 0 when `os:` gave a duration
  // Profile parameters by name, values in seconds or plain counts.
  std::vector<std::pair<std::string, double>> overrides;
  Location overrides_where;

  // The `network` session model.
  std::optional<LinkSpec> link;        // the group's access link
  std::optional<Distribution> size;    // message size in bytes (Distribution::mean in bytes)
  Location size_where;
};

enum class Fault { down, refuse, tempfail, slow, servfail, zone_update, degrade };

struct Event {
  Location where;
  double at = 0;
  double length = kForever;       // `for`; forever when absent
  std::optional<double> every;    // periodic until the end of the run
  Fault fault = Fault::down;
  std::string target;             // server key (host or address), a link, or, for servfail, the domain
  Location target_where;          // of the target (or dns) value
  // True when `target` names a link: "uplink:SERVER-KEY", "link:SENDER-GROUP"
  // or, with a platform file, a link of that file (checked by the engine).
  bool on_link = false;
  double factor = 1.0;            // slow; degrade: the bandwidth multiplier, in (0, 1]
  std::string zone_text;          // zone_update
  Location zone_where;            // where the zone text's first line sits in the file
};

struct Report {
  double bin = 60;
  std::vector<double> percentiles{50, 90, 99, 99.9};
};

// How sessions are simulated. round_trips (written `fast`, the default):
// round trips times the RTT plus the service time. network: the DATA
// transfer is a SimGrid communication sharing link bandwidth and the
// server's processing is work sharing its cores.
enum class SessionKind { round_trips, network };

struct EngineSpec {
  Location where;
  SessionKind sessions = SessionKind::round_trips;
};

// dns: {caches: warm|cold}. Warm: at t = 0 every resolver holds the zone's
// answers with a remaining TTL drawn uniformly over (0, TTL], as a resolver in
// steady state does; cold: every cache starts empty (all filled at the first
// messages, so every TTL expires in step).
enum class Caches { warm, cold };
struct DnsSpec {
  Location where;
  Caches caches = Caches::warm;
};

struct Scenario {
  std::string file;  // path as given
  std::string sha256;  // of the file's bytes as read (summary.json names the run's input by it)
  std::string name;
  std::string description;
  std::uint64_t seed = 1;
  double duration = 0;
  std::optional<double> horizon;
  std::string zone_text;
  Location zone_where;  // where the zone text's first line sits (scenario or zone file)
  std::vector<ServerSpec> servers;
  std::vector<SenderGroup> senders;
  std::vector<Event> events;
  Report report;
  EngineSpec engine;
  DnsSpec dns;
  // A SimGrid platform file (network sessions only), resolved against the
  // scenario file's folder; servers and sender groups map onto its hosts.
  std::optional<std::string> platform;
  Location platform_where;
};

// Reads a scenario file. Throws util::InputError naming file:line:column and
// the key for anything malformed: YAML syntax, unknown keys, bad units, wrong
// types, out-of-range values, a zone that does not parse, servers or targets
// that name nothing in the zone, contradictory overlapping events.
// `limits` bound sizes and counts (limits.hpp): beyond one, an InputError names it.
Scenario load_file(const std::string& path, const Limits& limits = {});

// Same, from text (tests); `path` is used in messages and for zone_file.
Scenario load_text(const std::string& text, const std::string& path, const Limits& limits = {});

// The scenario's DNS data: the zone text parsed, then every zone-update event
// added in the order of s.events (update indices 0..n-1 in that order).
// load_file() and load_text() have already checked that this succeeds.
dns::ZoneDb build_zone(const Scenario& s);

}  // namespace mxsim::scenario
