// The scenario bound to its zone, once: which addresses a server key names,
// the settings of each server, each sender group's round trips and recipient
// domains, and the MX layout of every recipient domain. The loader checks
// names with it; the lint and the model read what it binds.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dns/zone.hpp"
#include "scenario/scenario.hpp"

namespace mxsim::scenario {

// One server: one address of the zone. Servers are in AddressId order.
struct BoundServer {
  std::string host;  // the first name owning the address, without the trailing dot; else the address
  std::string address;
  ServerSpec spec;          // the `servers:` entry that applies, else the defaults with key = address
  bool configured = false;  // an entry of `servers:` applies
  bool ipv6 = false;
  int domain = -1;      // index into Topology::domains() of the first domain it serves; -1: none
  int preference = -1;  // its MX preference there; -1: an MX target of no recipient domain
  // An address senders may connect to: an MX target (or implicit-MX address)
  // of a recipient domain in the base zone or in any state the zone updates
  // lead to. Relays forward to the same domains' MX targets. The zone's
  // other addresses (name servers, web hosts) are no mail servers.
  bool mail_target = false;
};

// One preference level of a domain's MX set.
struct MxLevel {
  int preference = 0;
  std::vector<std::string> hosts;                   // exchanges, without the trailing dot
  std::vector<std::vector<std::uint32_t>> servers;  // the addresses of each host
};

// A recipient domain's MX set in the base zone, best level first.
struct DomainLayout {
  std::string name;  // without the trailing dot
  std::vector<MxLevel> levels;
};

// Where a sender group's messages go: `to:` as zone names, with the
// cumulative share of each (the last is 1).
struct Recipients {
  std::vector<dns::NameId> domains;
  std::vector<double> cumulative_weight;
};

class Topology {
 public:
  // `db` is the scenario's zone as build_zone() makes it, no update applied;
  // it must outlive the topology (applying updates to it later is fine).
  // Throws util::InputError at the name's own location for a server key,
  // rtt key, `to:` domain or fault target that is not in the zone.
  Topology(const Scenario& scenario, const dns::ZoneDb& db);

  // The addresses a server key names: an address names itself, a host name
  // every address it owns in the base zone or any update. Ascending.
  std::vector<std::uint32_t> servers_named(std::string_view key) const;

  const std::vector<BoundServer>& servers() const { return servers_; }
  // Each server's `weight` (the `weighted` selection policy), by address.
  std::vector<double> weights() const;

  // A group's round trip to each server: its `rtt` (where `rtt: {default:}`
  // is read into) for every server, then each keyed entry in key order, a
  // later key overriding an earlier one on a shared address.
  std::vector<double> round_trips(const SenderGroup& group) const;

  // The recipient domains of one of this scenario's groups.
  Recipients recipients(const SenderGroup& group) const;

  // Every recipient domain: first seen over the sender groups in order, then
  // in each group's `to:` order.
  const std::vector<DomainLayout>& domains() const { return domains_; }

 private:
  void check_names(const Scenario& scenario) const;
  void bind_servers(const Scenario& scenario);
  void lay_out_domains(const Scenario& scenario);

  const dns::ZoneDb* db_;
  std::vector<BoundServer> servers_;
  std::vector<DomainLayout> domains_;
};

}  // namespace mxsim::scenario
