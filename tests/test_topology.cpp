// Tests of the scenario bound to its zone (scenario/topology.hpp): which
// addresses a key names, which settings each server gets, the `rtt:` rule,
// recipient shares, the MX layout of each domain (zone updates included) and
// where a name the zone lacks is reported.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "scenario/scenario.hpp"
#include "scenario/topology.hpp"

namespace mxsim::scenario {
namespace {

// mx1 has two addresses, mx2 one of each family; mx3 is no MX target.
const std::string kZone =
    "zone: |\n"
    "  $ORIGIN example.com.\n"
    "  @    IN MX 10 mx1\n"
    "  @    IN MX 20 mx2\n"
    "  mx1  IN A    192.0.2.1\n"
    "  mx1  IN A    192.0.2.2\n"
    "  mx2  IN A    198.51.100.1\n"
    "  mx2  IN AAAA 2001:db8::1\n"
    "  mx3  IN A    203.0.113.1\n"
    "  other.org. IN MX 10 mx3\n";

Scenario load(const std::string& senders, const std::string& rest = "") {
  return load_text("duration: 1h\n" + kZone + "senders:\n" + senders + rest, "t.yaml");
}

std::uint32_t id(const dns::ZoneDb& db, const std::string& address) { return db.find_address(address); }

TEST(Topology, HostNamesEveryAddressItOwns) {
  const Scenario s = load("  - {name: isp, rate: 1/s, to: example.com}\n");
  const dns::ZoneDb db = build_zone(s);
  const Topology topology(s, db);
  EXPECT_EQ(topology.servers_named("mx1.example.com."),
            (std::vector<std::uint32_t>{id(db, "192.0.2.1"), id(db, "192.0.2.2")}));
  EXPECT_EQ(topology.servers_named("192.0.2.2"), std::vector<std::uint32_t>{id(db, "192.0.2.2")});
  EXPECT_EQ(topology.servers_named("2001:db8::1"), std::vector<std::uint32_t>{id(db, "2001:db8::1")});
  EXPECT_TRUE(topology.servers_named("nowhere.example.com.").empty());
  EXPECT_TRUE(topology.servers_named("192.0.2.99").empty());

  ASSERT_EQ(topology.servers().size(), db.address_count());
  const BoundServer& second = topology.servers()[id(db, "192.0.2.2")];
  EXPECT_EQ(second.host, "mx1.example.com");
  EXPECT_EQ(second.address, "192.0.2.2");
  EXPECT_FALSE(second.ipv6);
  EXPECT_TRUE(topology.servers()[id(db, "2001:db8::1")].ipv6);
  // No entry: the defaults, keyed by the address.
  EXPECT_FALSE(second.configured);
  EXPECT_EQ(second.spec.key, "192.0.2.2");
  EXPECT_EQ(second.spec.sessions, ServerSpec{}.sessions);
}

// Files cannot give one address two entries (the loader refuses it); a
// scenario made in code can, and the address entry wins wherever it is listed.
TEST(Topology, AddressEntriesOverrideHostEntries) {
  Scenario s = load("  - {name: isp, rate: 1/s, to: example.com}\n");
  ServerSpec by_address;
  by_address.key = "192.0.2.2";
  by_address.sessions = 7;
  by_address.weight = 3;
  ServerSpec by_host;
  by_host.key = "mx1.example.com.";
  by_host.sessions = 5;
  s.servers = {by_address, by_host};
  const dns::ZoneDb db = build_zone(s);
  const Topology topology(s, db);
  const auto& first = topology.servers()[id(db, "192.0.2.1")];
  const auto& second = topology.servers()[id(db, "192.0.2.2")];
  EXPECT_TRUE(first.configured);
  EXPECT_EQ(first.spec.sessions, 5);
  EXPECT_EQ(first.spec.key, "mx1.example.com.");
  EXPECT_EQ(second.spec.sessions, 7);
  EXPECT_EQ(second.spec.key, "192.0.2.2");
  const auto weights = topology.weights();
  EXPECT_EQ(weights[id(db, "192.0.2.1")], 1);
  EXPECT_EQ(weights[id(db, "192.0.2.2")], 3);
}

TEST(Topology, RttDefaultAppliesToServersWithoutTheirOwnEntry) {
  const Scenario s = load(
      "  - name: isp\n"
      "    rate: 1/s\n"
      "    to: example.com\n"
      "    rtt: {mx1.example.com: 10ms, default: 80ms, 2001:db8::1: 30ms}\n"
      "  - {name: plain, rate: 1/s, to: example.com, rtt: 20ms}\n");
  const dns::ZoneDb db = build_zone(s);
  const Topology topology(s, db);
  const auto rtt = topology.round_trips(s.senders[0]);
  ASSERT_EQ(rtt.size(), db.address_count());
  EXPECT_DOUBLE_EQ(rtt[id(db, "192.0.2.1")], 0.010);
  EXPECT_DOUBLE_EQ(rtt[id(db, "192.0.2.2")], 0.010);
  EXPECT_DOUBLE_EQ(rtt[id(db, "198.51.100.1")], 0.080);
  EXPECT_DOUBLE_EQ(rtt[id(db, "2001:db8::1")], 0.030);
  EXPECT_DOUBLE_EQ(rtt[id(db, "203.0.113.1")], 0.080);
  for (const double r : topology.round_trips(s.senders[1])) EXPECT_DOUBLE_EQ(r, 0.020);
}

TEST(Topology, RecipientsCarryCumulativeShares) {
  const Scenario s = load("  - {name: isp, rate: 1/s, to: {other.org: 1, example.com: 3}}\n");
  const dns::ZoneDb db = build_zone(s);
  const Topology topology(s, db);
  const Recipients r = topology.recipients(s.senders[0]);
  EXPECT_EQ(r.domains, (std::vector<dns::NameId>{db.find_name("other.org."), db.find_name("example.com.")}));
  EXPECT_EQ(r.cumulative_weight, (std::vector<double>{0.25, 1.0}));
}

TEST(Topology, DomainLayoutsIncludeServersOfZoneUpdates) {
  // example.com is first seen in the second group; a zone update at 30m adds mx4 at preference 5.
  const Scenario s = load(
      "  - {name: a, rate: 1/s, to: other.org}\n"
      "  - {name: b, rate: 1/s, to: {example.com: 1, other.org: 1}}\n",
      "events:\n"
      "  - at: 30m\n"
      "    zone: |\n"
      "      @   IN MX 5 mx4\n"
      "      @   IN MX 10 mx1\n"
      "      mx4 IN A 192.0.2.44\n");
  const dns::ZoneDb db = build_zone(s);
  const Topology topology(s, db);
  const auto& domains = topology.domains();
  ASSERT_EQ(domains.size(), 2u);
  EXPECT_EQ(domains[0].name, "other.org");
  EXPECT_EQ(domains[1].name, "example.com");
  ASSERT_EQ(domains[1].levels.size(), 2u);  // the base zone only
  EXPECT_EQ(domains[1].levels[0].preference, 10);
  EXPECT_EQ(domains[1].levels[0].hosts, std::vector<std::string>{"mx1.example.com"});
  EXPECT_EQ(domains[1].levels[0].servers,
            (std::vector<std::vector<std::uint32_t>>{{id(db, "192.0.2.1"), id(db, "192.0.2.2")}}));
  EXPECT_EQ(domains[1].levels[1].preference, 20);
  EXPECT_EQ(domains[1].levels[1].servers[0].size(), 2u);  // A and AAAA of mx2

  const auto& servers = topology.servers();
  EXPECT_EQ(servers[id(db, "203.0.113.1")].domain, 0);
  EXPECT_EQ(servers[id(db, "203.0.113.1")].preference, 10);
  EXPECT_EQ(servers[id(db, "198.51.100.1")].domain, 1);
  EXPECT_EQ(servers[id(db, "198.51.100.1")].preference, 20);
  // Only the update makes mx4 an MX target: it belongs to example.com all the same.
  EXPECT_EQ(servers[id(db, "192.0.2.44")].domain, 1);
  EXPECT_EQ(servers[id(db, "192.0.2.44")].preference, 5);
  EXPECT_EQ(servers[id(db, "192.0.2.44")].host, "mx4.example.com");
}

// The loader reports a name the zone lacks at the name itself, through the topology.
TEST(Topology, NamesNotInTheZoneAreReportedAtTheirKey) {
  struct Case {
    std::string senders_and_events;  // from line 12 on
    int line, column;
    std::string message;
  };
  const std::vector<Case> cases{
      {"senders:\n"
       "  - name: isp\n"
       "    rate: 1/s\n"
       "    to: example.com\n"
       "    rtt: {default: 1s, mx1.example.com: 1s, mx9.example.com: 1s}\n",
       16, 45, "senders[0].rtt: \"mx9.example.com.\" names no host or address in the zone"},
      {"senders:\n"
       "  - {name: isp, rate: 1/s, to: example.com}\n"
       "events:\n"
       "  - {at: 1m, dns: example.net, fault: servfail}\n",
       15, 19, "events[0].dns: \"example.net.\" is not a name in the zone"},
      {"senders:\n"
       "  - {name: isp, rate: 1/s, to: example.com}\n"
       "events:\n"
       "  - {at: 1m, for: 1m, target: other.org, fault: down}\n",
       15, 31, "events[0].target: \"other.org.\" owns no address (A or AAAA) in the zone"},
  };
  for (const Case& c : cases) {
    try {
      load_text("duration: 1h\n" + kZone + c.senders_and_events, "t.yaml");
      ADD_FAILURE() << "loaded:\n" << c.senders_and_events;
    } catch (const util::InputError& e) {
      EXPECT_EQ(e.where().line, c.line) << c.message;
      EXPECT_EQ(e.where().column, c.column) << c.message;
      EXPECT_EQ(e.message(), c.message);
    }
  }

  // A scenario made in code has no key locations: its group's location stands in.
  Scenario s = load("  - {name: isp, rate: 1/s, to: example.com}\n");
  s.senders[0].rtt_by_server["mx9.example.com."] = 0.1;
  const dns::ZoneDb db = build_zone(s);
  try {
    Topology topology(s, db);
    ADD_FAILURE() << "no error for an rtt key not in the zone";
  } catch (const util::InputError& e) {
    EXPECT_EQ(e.where().line, s.senders[0].where.line);
    EXPECT_EQ(e.message(), "senders[0].rtt: \"mx9.example.com.\" names no host or address in the zone");
  }
}

}  // namespace
}  // namespace mxsim::scenario
