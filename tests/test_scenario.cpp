// Tests of the scenario loader: the contract's full example, defaults, name
// handling, where zone errors are reported, event overlap rules, the network
// session model's keys, and a table of malformed files (tests/data/malformed)
// that each name the error they expect.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "scenario/scenario.hpp"

namespace {

namespace fs = std::filesystem;
using mxsim::scenario::Distribution;
using mxsim::scenario::Fault;
using mxsim::scenario::load_file;
using mxsim::scenario::load_text;
using mxsim::scenario::Overflow;
using mxsim::scenario::Role;
using mxsim::scenario::Scenario;
using mxsim::scenario::SessionKind;
using mxsim::util::InputError;

const std::string kData = MXSIM_TEST_DATA;

// The smallest zone and sender that load; tests add to them.
const std::string kZone =
    "zone: |\n"
    "  $ORIGIN example.com.\n"
    "  $TTL 3600\n"
    "  @          IN MX 10 mailhost1\n"
    "  @          IN MX 20 mailhost2\n"
    "  mailhost1  IN A    192.0.2.10\n"
    "  mailhost2  IN A    192.0.2.20\n";
const std::string kSenders =
    "senders:\n"
    "  - name: isp\n"
    "    rate: 10/s\n"
    "    to: example.com\n";

std::string minimal(const std::string& extra = "") {
  return "duration: 1h\n" + kZone + kSenders + extra;
}

// The error load_text throws, or a failed test when it throws none.
InputError load_error(const std::string& text, const std::string& path = "test.yaml") {
  try {
    load_text(text, path);
  } catch (const InputError& e) {
    return e;
  }
  ADD_FAILURE() << "expected an InputError for:\n" << text;
  return InputError({}, "none");
}

TEST(Loader, ContractExample) {
  const std::string path = kData + "/contract-example.yaml";
  const Scenario s = load_file(path);
  EXPECT_EQ(s.file, path);
  EXPECT_EQ(s.name, "seed-failover");
  EXPECT_EQ(s.description, "primary 10, backup 20; primary down for an hour");
  EXPECT_EQ(s.seed, 1u);
  EXPECT_DOUBLE_EQ(s.duration, 7200);
  ASSERT_TRUE(s.horizon.has_value());
  EXPECT_DOUBLE_EQ(*s.horizon, 7 * 86400);
  EXPECT_EQ(s.zone_text.rfind("$ORIGIN example.com.", 0), 0u);
  EXPECT_NE(s.zone_text.find("mailhost2  IN A    192.0.2.20\n"), std::string::npos);
  EXPECT_EQ(s.zone_where.file, path);
  EXPECT_EQ(s.zone_where.line, 10);  // `zone: |` is on line 9
  EXPECT_EQ(s.zone_where.column, 3);

  ASSERT_EQ(s.servers.size(), 2u);
  const auto& primary = s.servers[0];
  EXPECT_EQ(primary.key, "mailhost1.example.com.");
  EXPECT_EQ(primary.where.line, 19);
  EXPECT_EQ(primary.where.column, 3);
  EXPECT_EQ(primary.sessions, 100);
  EXPECT_EQ(primary.backlog, 0);
  EXPECT_EQ(primary.overflow, Overflow::tempfail);
  EXPECT_EQ(primary.service.kind, Distribution::Kind::exponential);
  EXPECT_DOUBLE_EQ(primary.service.mean, 0.2);
  EXPECT_EQ(primary.role, Role::final);
  const auto& backup = s.servers[1];
  EXPECT_EQ(backup.key, "mailhost2.example.com.");
  EXPECT_EQ(backup.sessions, 20);
  EXPECT_EQ(backup.service.kind, Distribution::Kind::constant);
  EXPECT_DOUBLE_EQ(backup.service.mean, 0.3);
  EXPECT_EQ(backup.role, Role::relay);
  EXPECT_EQ(backup.relay_profile, "postfix");

  ASSERT_EQ(s.senders.size(), 1u);
  const auto& g = s.senders[0];
  EXPECT_EQ(g.name, "big-isp");
  EXPECT_EQ(g.where.line, 35);
  EXPECT_EQ(g.mtas, 50);
  EXPECT_EQ(g.profile, "postfix");
  EXPECT_EQ(g.selection, "rfc5321-shuffle");
  EXPECT_DOUBLE_EQ(g.rate, 20);
  EXPECT_DOUBLE_EQ(g.rtt, 0.04);
  EXPECT_TRUE(g.rtt_by_server.empty());
  ASSERT_EQ(g.to.size(), 1u);
  EXPECT_EQ(g.to[0].first, "example.com.");
  EXPECT_DOUBLE_EQ(g.to[0].second, 1);
  ASSERT_EQ(g.overrides.size(), 2u);
  EXPECT_EQ(g.overrides[0].first, "connect_timeout");
  EXPECT_DOUBLE_EQ(g.overrides[0].second, 30);
  EXPECT_EQ(g.overrides[1].first, "max_lifetime");
  EXPECT_DOUBLE_EQ(g.overrides[1].second, 5 * 86400);
  EXPECT_EQ(g.overrides_where.line, 44);

  ASSERT_EQ(s.events.size(), 7u);
  const auto& down = s.events[0];
  EXPECT_EQ(down.where.line, 48);
  EXPECT_EQ(down.where.column, 5);
  EXPECT_DOUBLE_EQ(down.at, 1800);
  EXPECT_DOUBLE_EQ(down.length, 3600);
  EXPECT_FALSE(down.every.has_value());
  EXPECT_EQ(down.fault, Fault::down);
  EXPECT_EQ(down.target, "mailhost1.example.com.");
  EXPECT_EQ(s.events[1].fault, Fault::refuse);
  EXPECT_EQ(s.events[1].target, "192.0.2.20");
  EXPECT_EQ(s.events[2].fault, Fault::tempfail);
  EXPECT_EQ(s.events[3].fault, Fault::slow);
  EXPECT_DOUBLE_EQ(s.events[3].factor, 5);
  EXPECT_EQ(s.events[4].fault, Fault::servfail);
  EXPECT_EQ(s.events[4].target, "example.com.");
  EXPECT_DOUBLE_EQ(s.events[4].length, 1800);
  const auto& update = s.events[5];
  EXPECT_EQ(update.fault, Fault::zone_update);
  EXPECT_DOUBLE_EQ(update.at, 6 * 3600);
  EXPECT_EQ(update.length, mxsim::scenario::kForever);
  EXPECT_EQ(update.zone_text, "@ IN MX 10 mailhost3\nmailhost3 IN A 192.0.2.30");
  EXPECT_EQ(update.zone_where.line, 56);
  EXPECT_EQ(update.zone_where.column, 20);  // the opening quote
  const auto& flap = s.events[6];
  EXPECT_EQ(flap.fault, Fault::down);
  ASSERT_TRUE(flap.every.has_value());
  EXPECT_DOUBLE_EQ(*flap.every, 3600);
  EXPECT_DOUBLE_EQ(flap.length, 300);
  EXPECT_EQ(flap.target, "mailhost2.example.com.");

  EXPECT_DOUBLE_EQ(s.report.bin, 60);
  EXPECT_EQ(s.report.percentiles, (std::vector<double>{50, 90, 99, 99.9}));

  // The zone update's names exist in the database from the start.
  const auto db = mxsim::scenario::build_zone(s);
  EXPECT_NE(db.find_name("mailhost3.example.com."), mxsim::dns::kNoName);
  EXPECT_NE(db.find_address("192.0.2.30"), mxsim::dns::kNoName);
}

TEST(Loader, Defaults) {
  const Scenario s = load_text(minimal(), "some/dir/my-run.yaml");
  EXPECT_EQ(s.name, "my-run");
  EXPECT_EQ(s.description, "");
  EXPECT_EQ(s.seed, 1u);
  EXPECT_DOUBLE_EQ(s.duration, 3600);
  EXPECT_FALSE(s.horizon.has_value());
  EXPECT_TRUE(s.servers.empty());
  EXPECT_TRUE(s.events.empty());
  ASSERT_EQ(s.senders.size(), 1u);
  const auto& g = s.senders[0];
  EXPECT_EQ(g.mtas, 1);
  EXPECT_EQ(g.profile, "rfc5321");
  EXPECT_FALSE(g.selection.has_value());
  EXPECT_DOUBLE_EQ(g.rtt, 0.05);
  EXPECT_TRUE(g.overrides.empty());
  ASSERT_EQ(g.to.size(), 1u);
  EXPECT_EQ(g.to[0], (std::pair<std::string, double>{"example.com.", 1.0}));
  EXPECT_DOUBLE_EQ(s.report.bin, 60);
  EXPECT_EQ(s.report.percentiles, (std::vector<double>{50, 90, 99, 99.9}));

  const Scenario with_server = load_text(minimal("servers:\n  mailhost1.example.com:\n"), "x.yaml");
  ASSERT_EQ(with_server.servers.size(), 1u);
  const auto& server = with_server.servers[0];
  EXPECT_EQ(server.sessions, 100);
  EXPECT_EQ(server.backlog, 0);
  EXPECT_EQ(server.overflow, Overflow::tempfail);
  EXPECT_EQ(server.service.kind, Distribution::Kind::constant);
  EXPECT_DOUBLE_EQ(server.service.mean, 0.1);
  EXPECT_EQ(server.role, Role::final);
}

// `software:` sets sessions, backlog and overflow; the server's own keys
// override it wherever they are written in the map.
TEST(Loader, SoftwarePresetsAndExplicitKeys) {
  const Scenario s = load_text(minimal("servers:\n"
                                       "  mailhost1.example.com: {software: postfix}\n"
                                       "  mailhost2.example.com: {sessions: 7, software: exim, overflow: drop}\n"),
                               "x.yaml");
  ASSERT_EQ(s.servers.size(), 2u);
  EXPECT_EQ(s.servers[0].sessions, 100);
  EXPECT_EQ(s.servers[0].backlog, 100);
  EXPECT_EQ(s.servers[0].overflow, Overflow::drop);
  EXPECT_EQ(s.servers[1].sessions, 7);                   // explicit, though written before the preset
  EXPECT_EQ(s.servers[1].backlog, 0);                    // exim's preset
  EXPECT_EQ(s.servers[1].overflow, Overflow::drop);      // explicit
  const Scenario refuse = load_text(minimal("servers:\n  mailhost1.example.com: {overflow: refuse}\n"), "x.yaml");
  EXPECT_EQ(refuse.servers[0].overflow, Overflow::refuse);
}

TEST(Loader, RejectStageAndGreylistMaxAge) {
  const Scenario s = load_text(minimal("servers:\n"
                                       "  mailhost1.example.com: {reject: {fraction: 0.5, at: greeting},"
                                       " greylist: {max_age: 10d}}\n"
                                       "  mailhost2.example.com: {reject: {fraction: 0.5}}\n"),
                               "x.yaml");
  using mxsim::scenario::ServerSpec;
  EXPECT_EQ(s.servers[0].reject_at, ServerSpec::RejectAt::greeting);
  EXPECT_EQ(s.servers[1].reject_at, ServerSpec::RejectAt::rcpt);  // the default
  ASSERT_TRUE(s.servers[0].greylist.has_value());
  EXPECT_DOUBLE_EQ(s.servers[0].greylist->max_age, 10 * 86400);
}

TEST(Loader, NamesAreCanonical) {
  const std::string zone =
      "zone: |\n"
      "  $ORIGIN example.com.\n"
      "  @          IN MX 10 mailhost1\n"
      "  mailhost1  IN A    192.0.2.10\n"
      "  mailhost2  IN A    192.0.2.20\n"
      "  mailhost3  IN AAAA 2001:db8::1\n";
  const Scenario s =
      load_text("duration: 1h\n" + zone +
                    "servers:\n"
                    "  MailHost1.Example.COM.: {sessions: 3}\n"
                    "  192.0.2.20: {sessions: 4}\n"
                    "  '2001:DB8:0:0::1': {sessions: 5}\n"
                    "senders:\n"
                    "  - {name: a, rate: 1/s, to: {EXAMPLE.com: 2}, rtt: {default: 10ms, "
                    "mailhost1.example.com: 80ms}}\n"
                    "events:\n"
                    "  - {at: 1m, for: 1m, target: MAILHOST2.example.com, fault: down}\n",
                "names.yaml");
  ASSERT_EQ(s.servers.size(), 3u);
  EXPECT_EQ(s.servers[0].key, "mailhost1.example.com.");
  EXPECT_EQ(s.servers[1].key, "192.0.2.20");
  EXPECT_EQ(s.servers[2].key, "2001:db8::1");
  EXPECT_EQ(s.senders[0].to[0].first, "example.com.");
  EXPECT_DOUBLE_EQ(s.senders[0].rtt, 0.01);
  EXPECT_DOUBLE_EQ(s.senders[0].rtt_by_server.at("mailhost1.example.com."), 0.08);
  EXPECT_EQ(s.events[0].target, "mailhost2.example.com.");
}

// The contract's example writes `# notes` inside `zone: |`, where YAML keeps
// them as text: they become master-file comments, columns unchanged.
TEST(Loader, HashCommentsInBlockZoneText) {
  const Scenario s = load_text(
      "duration: 1h\n"
      "zone: |\n"
      "  $ORIGIN example.com.   # the origin\n"
      "  # a whole-line note\n"
      "  @ IN MX 10 mailhost1  ; already a comment # kept\n"
      "  @ IN TXT \"not # a comment\"\n"
      "  mailhost1 IN A 192.0.2.10\n"
      "  notes IN TXT mid#word\n"
      "senders: [{name: a, rate: 1/s, to: example.com}]\n"
      "events:\n"
      "  - at: 2h\n"
      "    zone: |\n"
      "      mailhost1 IN A 192.0.2.12 # note\n",
      "hash.yaml");
  EXPECT_EQ(s.zone_text,
            "$ORIGIN example.com.   ; the origin\n"
            "; a whole-line note\n"
            "@ IN MX 10 mailhost1  ; already a comment # kept\n"
            "@ IN TXT \"not # a comment\"\n"
            "mailhost1 IN A 192.0.2.10\n"
            "notes IN TXT mid#word\n");
  EXPECT_EQ(s.events[0].zone_text, "mailhost1 IN A 192.0.2.12 ; note\n");

  // A quoted string is explicit text: its '#' reaches the zone parser as is.
  const InputError e =
      load_error(minimal("events:\n"
                         "  - {at: 1h, zone: \"mailhost1 IN A 192.0.2.11 # not a comment\"}\n"));
  EXPECT_EQ(e.message().rfind("events[0].zone: ", 0), 0u) << e.what();
  EXPECT_EQ(e.where().line, 14);
}

// Every name `run` would refuse is refused by the loader, at the key or
// value that holds it (mxsim validate then exits 2 with that place).
TEST(Loader, ProfilePolicyAndOverrideNamesAreCheckedAtTheirKey) {
  struct Case {
    std::string text;
    int line, column;
    std::string part;  // of the message
  };
  const auto sender = [](const std::string& extra) {
    return "duration: 1h\n" + kZone +
           "senders:\n"
           "  - name: isp\n"
           "    rate: 10/s\n"
           "    to: example.com\n" +
           extra;  // line 13 on
  };
  const std::vector<Case> cases{
      {sender("    selection: no-such-policy\n"), 13, 16,
       "senders[0].selection: unknown selection policy \"no-such-policy\""},
      {sender("    selection: health-aware:bogus\n"), 13, 16, "\"bogus\""},
      {sender("    overrides:\n"
              "      connect_timeout: 30s\n"
              "      conect_timeout: 30s\n"),
       15, 7, "senders[0].overrides: unknown profile parameter \"conect_timeout\""},
      // A known parameter out of its range: at the value, against the group's profile.
      {sender("    profile: exim\n"
              "    overrides: {round_trips: 2.5}\n"),
       14, 30, "senders[0].overrides.round_trips: round_trips must be a whole number"},
      {"duration: 1h\n" + kZone +
           "servers:\n"
           "  mailhost2.example.com: {role: relay, relay: {profile: qmail}}\n" + kSenders,
       10, 57, "relay.profile: expected one of postfix,"},
  };
  for (const Case& c : cases) {
    const auto e = load_error(c.text);
    EXPECT_EQ(e.where().line, c.line) << e.what();
    EXPECT_EQ(e.where().column, c.column) << e.what();
    EXPECT_NE(e.message().find(c.part), std::string::npos) << e.what();
  }
  const auto s = load_text(sender("    selection: health-aware:weighted\n"
                                  "    overrides: {connect_timeout: 30s, round_trips: 3}\n"),
                           "t.yaml");
  EXPECT_EQ(s.senders[0].selection, "health-aware:weighted");
  EXPECT_EQ(s.senders[0].overrides.size(), 2u);
}

TEST(ZoneWhere, BlockLiteralMapsZoneLinesToScenarioLines) {
  const std::string head =
      "duration: 1h\n"           // line 1
      "# a comment\n"            // 2
      "zone: |   # the zone\n";  // 3: zone line k is scenario line 3 + k
  const std::string tail =
      "    mailhost1 IN A 192.0.2.10\n"
      "senders: [{name: a, rate: 1/s, to: example.com}]\n";
  const Scenario good = load_text(head +
                                      "    $ORIGIN example.com.\n"
                                      "    $TTL 3600\n"
                                      "    @ IN MX 10 mailhost1\n" +
                                      tail,
                                  "where.yaml");
  EXPECT_EQ(good.zone_where.file, "where.yaml");
  EXPECT_EQ(good.zone_where.line, 4);
  EXPECT_EQ(good.zone_where.column, 5);

  const InputError e = load_error(head +
                                      "    $ORIGIN example.com.\n"
                                      "    $TTL 3600\n"
                                      "    @ IN MX 10\n" +  // zone line 3: no exchange
                                      tail,
                                  "where.yaml");
  EXPECT_EQ(e.where().file, "where.yaml");
  EXPECT_EQ(e.where().line, 6) << e.what();
}

TEST(ZoneWhere, LeadingBlankLinesCountAsZoneLines) {
  const Scenario s = load_text(
      "duration: 1h\n"
      "zone: |\n"
      "\n"
      "  $ORIGIN example.com.\n"
      "  mailhost1 IN A 192.0.2.10\n"
      "senders: [{name: a, rate: 1/s, to: example.com}]\n",
      "blank.yaml");
  EXPECT_EQ(s.zone_where.line, 3);
  EXPECT_EQ(s.zone_where.column, 3);
  EXPECT_EQ(s.zone_text.front(), '\n');
}

TEST(ZoneWhere, ZoneUpdateBlockLiteral) {
  const std::string events =
      "events:\n"                            // line 13, after minimal()'s 12
      "  - at: 1h\n"                         // 14
      "    zone: |\n"                        // 15
      "      mailhost3  IN A  192.0.2.30\n"  // 16
      "      @          IN MX 5\n";          // 17: broken
  const InputError e = load_error(minimal(events));
  EXPECT_EQ(e.where().line, 17) << e.what();

  const Scenario s = load_text(minimal("events:\n"
                                       "  - at: 1h\n"
                                       "    zone: |\n"
                                       "      mailhost3  IN A  192.0.2.30\n"),
                               "update.yaml");
  ASSERT_EQ(s.events.size(), 1u);
  EXPECT_EQ(s.events[0].zone_where.line, 16);
  EXPECT_EQ(s.events[0].zone_where.column, 7);
  EXPECT_EQ(s.events[0].zone_text, "mailhost3  IN A  192.0.2.30\n");
}

TEST(ZoneWhere, ZoneFileIsRelativeToTheScenario) {
  const std::string scenario_path = kData + "/inline.yaml";  // need not exist
  const std::string body = kSenders;
  const Scenario s =
      load_text("duration: 1h\nzone_file: zones/example.com.zone\n" + body, scenario_path);
  EXPECT_EQ(s.zone_where.file, kData + "/zones/example.com.zone");
  EXPECT_EQ(s.zone_where.line, 1);
  EXPECT_EQ(s.zone_where.column, 1);
  EXPECT_NE(s.zone_text.find("mailhost2  IN A    192.0.2.20"), std::string::npos);

  const InputError e =
      load_error("duration: 1h\nzone_file: zones/bad-line-4.zone\n" + body, scenario_path);
  EXPECT_EQ(e.where().file, kData + "/zones/bad-line-4.zone");
  EXPECT_EQ(e.where().line, 4) << e.what();
  EXPECT_EQ(e.message().rfind("zone_file: ", 0), 0u) << e.what();
}

struct OverlapCase {
  const char* name;
  const char* events;      // the `events:` list items
  const char* error_part;  // nullptr when the events are consistent
};

TEST(Loader, ContradictoryEventsMustNotOverlap) {
  const std::vector<OverlapCase> cases = {
      {"same fault twice",
       "  - {at: 0, for: 1h, target: mailhost1.example.com, fault: down}\n"
       "  - {at: 30m, for: 1h, target: 192.0.2.10, fault: down}\n",
       nullptr},
      {"host and its address",
       "  - {at: 0, for: 1h, target: mailhost1.example.com, fault: down}\n"
       "  - {at: 30m, for: 1h, target: 192.0.2.10, fault: refuse}\n",
       "fault refuse on \"192.0.2.10\" overlaps fault down"},
      {"back to back",
       "  - {at: 0, for: 10m, target: mailhost1.example.com, fault: down}\n"
       "  - {at: 10m, for: 10m, target: mailhost1.example.com, fault: tempfail}\n",
       nullptr},
      {"other host",
       "  - {at: 0, for: 1h, target: mailhost1.example.com, fault: down}\n"
       "  - {at: 0, for: 1h, target: mailhost2.example.com, fault: refuse}\n",
       nullptr},
      {"between occurrences",
       "  - {at: 30m, every: 1h, for: 5m, target: mailhost1.example.com, fault: down}\n"
       "  - {at: 40m, for: 45m, target: mailhost1.example.com, fault: refuse}\n",
       nullptr},
      {"third occurrence",
       "  - {at: 30m, every: 1h, for: 5m, target: mailhost1.example.com, fault: down}\n"
       "  - {at: 154m, for: 2m, target: mailhost1.example.com, fault: refuse}\n",
       "overlaps"},
      {"one-off without end",
       "  - {at: 5h, target: mailhost1.example.com, fault: tempfail}\n"
       "  - {at: 0, every: 1h, for: 5m, target: mailhost1.example.com, fault: down}\n",
       "overlaps"},
      {"periodic apart",
       "  - {at: 0, every: 1h, for: 10m, target: mailhost1.example.com, fault: down}\n"
       "  - {at: 30m, every: 1h, for: 10m, target: mailhost1.example.com, fault: refuse}\n",
       nullptr},
      {"periodic meet later",
       "  - {at: 0, every: 2h, for: 10m, target: mailhost1.example.com, fault: down}\n"
       "  - {at: 1h, every: 3h, for: 10m, target: mailhost1.example.com, fault: refuse}\n",
       "overlaps"},
      {"slow factors differ",
       "  - {at: 0, for: 1h, target: mailhost1.example.com, fault: slow, factor: 2}\n"
       "  - {at: 0, for: 1h, target: mailhost1.example.com, fault: slow, factor: 3}\n",
       "overlaps"},
      {"servfail twice",
       "  - {at: 0, for: 1h, dns: example.com, fault: servfail}\n"
       "  - {at: 0, for: 2h, dns: example.com, fault: servfail}\n",
       nullptr},
  };
  for (const auto& c : cases) {
    const std::string text = minimal(std::string("events:\n") + c.events);
    if (c.error_part == nullptr) {
      EXPECT_NO_THROW(load_text(text, "overlap.yaml")) << c.name;
      continue;
    }
    const InputError e = load_error(text, "overlap.yaml");
    EXPECT_NE(e.message().find(c.error_part), std::string::npos) << c.name << ": " << e.what();
    EXPECT_EQ(e.where().line, 15) << c.name << ": the later event is on line 15";
  }
}

// --- the network session model ------------------------------------------------

// A network-session scenario: the minimal zone, two servers and two sender
// groups with every new key; tests replace parts of it.
const std::string kNetworkServers =
    "servers:\n"
    "  mailhost1.example.com:\n"                                // line 11
    "    uplink: {bandwidth: 100Mbps, latency: 2ms}\n"
    "    cpu: {cores: 8, speed: 1Gf}\n"
    "    work: {dist: lognormal, mean: 2e8, sigma: 0.5}\n"
    "  mailhost2.example.com:\n"
    "    uplink: {bandwidth: 1GBps}\n"                          // line 16
    "    cpu: {speed: 2Gf/s}\n"
    "    work: 200Mf\n";
const std::string kNetworkSenders =
    "senders:\n"
    "  - name: isp\n"                                           // line 20
    "    rate: 10/s\n"
    "    to: example.com\n"
    "    link: {bandwidth: 1Gbps, latency: 1ms}\n"
    "    size: {dist: lognormal, median: 60KB, sigma: 1.2}\n"
    "  - name: small\n"                                         // line 25
    "    rate: 1/s\n"
    "    to: example.com\n"
    "    size: 10KiB\n";

std::string network(const std::string& events = "", const std::string& servers = kNetworkServers,
                    const std::string& senders = kNetworkSenders) {
  return "duration: 1h\n" + kZone + "engine: {sessions: network}\n" + servers + senders + events;
}

TEST(Network, ParsesEveryKey) {
  const Scenario s = load_text(network("events:\n"
                                       "  - {at: 10m, for: 5m, target: uplink:MailHost1.example.com, "
                                       "fault: degrade, factor: 0.25}\n"
                                       "  - {at: 10m, for: 5m, target: link:isp, fault: down}\n"
                                       "  - {at: 20m, for: 5m, target: mailhost2.example.com, fault: down}\n"),
                               "net.yaml");
  EXPECT_EQ(s.engine.sessions, SessionKind::network);
  EXPECT_EQ(s.engine.where.line, 9);
  EXPECT_FALSE(s.platform.has_value());

  ASSERT_EQ(s.servers.size(), 2u);
  const auto& one = s.servers[0];
  ASSERT_TRUE(one.uplink && one.cpu && one.work);
  EXPECT_DOUBLE_EQ(one.uplink->bandwidth, 12.5e6);
  EXPECT_DOUBLE_EQ(one.uplink->latency, 0.002);
  EXPECT_EQ(one.uplink->where.line, 12);
  EXPECT_EQ(one.cpu->cores, 8);
  EXPECT_DOUBLE_EQ(one.cpu->speed, 1e9);
  EXPECT_EQ(one.work->kind, Distribution::Kind::lognormal);
  EXPECT_DOUBLE_EQ(one.work->mean, 2e8);
  EXPECT_DOUBLE_EQ(one.work->sigma, 0.5);
  const auto& two = s.servers[1];
  ASSERT_TRUE(two.uplink && two.cpu && two.work);
  EXPECT_DOUBLE_EQ(two.uplink->bandwidth, 1e9);
  EXPECT_DOUBLE_EQ(two.uplink->latency, 0);
  EXPECT_EQ(two.cpu->cores, 1);
  EXPECT_DOUBLE_EQ(two.cpu->speed, 2e9);
  EXPECT_EQ(two.work->kind, Distribution::Kind::constant);
  EXPECT_DOUBLE_EQ(two.work->mean, 2e8);

  ASSERT_EQ(s.senders.size(), 2u);
  const auto& isp = s.senders[0];
  ASSERT_TRUE(isp.link && isp.size);
  EXPECT_DOUBLE_EQ(isp.link->bandwidth, 125e6);
  EXPECT_DOUBLE_EQ(isp.link->latency, 0.001);
  EXPECT_EQ(isp.size->kind, Distribution::Kind::lognormal);
  EXPECT_DOUBLE_EQ(isp.size->sigma, 1.2);
  EXPECT_DOUBLE_EQ(isp.size->mean, 60e3 * std::exp(1.2 * 1.2 / 2));  // from the median
  EXPECT_EQ(isp.size_where.line, 24);
  EXPECT_EQ(isp.size_where.column, 11);
  const auto& small = s.senders[1];
  EXPECT_FALSE(small.link.has_value());
  ASSERT_TRUE(small.size.has_value());
  EXPECT_EQ(small.size->kind, Distribution::Kind::constant);
  EXPECT_DOUBLE_EQ(small.size->mean, 10240);

  ASSERT_EQ(s.events.size(), 3u);
  EXPECT_EQ(s.events[0].fault, Fault::degrade);
  EXPECT_TRUE(s.events[0].on_link);
  EXPECT_EQ(s.events[0].target, "uplink:mailhost1.example.com.");  // the server key, canonical
  EXPECT_DOUBLE_EQ(s.events[0].factor, 0.25);
  EXPECT_EQ(s.events[1].fault, Fault::down);
  EXPECT_TRUE(s.events[1].on_link);
  EXPECT_EQ(s.events[1].target, "link:isp");
  EXPECT_FALSE(s.events[2].on_link);
  EXPECT_EQ(s.events[2].target, "mailhost2.example.com.");
}

TEST(Network, DistributionsOfSizeAndWork) {
  struct Case {
    const char* size;
    Distribution::Kind kind;
    double mean;
  };
  const std::vector<Case> cases = {
      {"60KB", Distribution::Kind::constant, 60e3},
      {"{dist: constant, mean: 1MB}", Distribution::Kind::constant, 1e6},
      {"{dist: exponential, mean: 64KiB}", Distribution::Kind::exponential, 65536},
      {"{dist: lognormal, mean: 2MB, sigma: 1}", Distribution::Kind::lognormal, 2e6},
      {"{dist: lognormal, median: 1000, sigma: 0}", Distribution::Kind::lognormal, 1000},
  };
  for (const auto& c : cases) {
    const std::string senders = std::string("senders:\n  - {name: a, rate: 1/s, to: example.com, size: ") +
                                c.size + "}\n";
    const Scenario s = load_text(network("", kNetworkServers, senders), "x.yaml");
    ASSERT_TRUE(s.senders[0].size.has_value()) << c.size;
    EXPECT_EQ(s.senders[0].size->kind, c.kind) << c.size;
    EXPECT_DOUBLE_EQ(s.senders[0].size->mean, c.mean) << c.size;
  }
  // Service times take a median too (one reader for every distribution).
  const Scenario s = load_text(
      minimal("servers:\n  mailhost1.example.com: {service: {dist: lognormal, median: 100ms, sigma: 1}}\n"),
      "x.yaml");
  EXPECT_DOUBLE_EQ(s.servers[0].service.mean, 0.1 * std::exp(0.5));
}

TEST(Network, FastSessionsAcceptTheKeysAndNeedNoSize) {
  const Scenario fast = load_text(minimal("engine: {sessions: fast}\n" + kNetworkServers), "x.yaml");
  EXPECT_EQ(fast.engine.sessions, SessionKind::round_trips);
  ASSERT_EQ(fast.servers.size(), 2u);
  EXPECT_TRUE(fast.servers[0].uplink.has_value());
  EXPECT_FALSE(fast.senders[0].size.has_value());

  const Scenario plain = load_text(minimal(), "x.yaml");  // no engine key: fast
  EXPECT_EQ(plain.engine.sessions, SessionKind::round_trips);
  EXPECT_FALSE(plain.platform.has_value());
  EXPECT_FALSE(plain.senders[0].link.has_value());
}

struct ErrorCase {
  const char* name;
  std::string text;
  int line;
  int column;
  const char* part;
};

void expect_errors(const std::vector<ErrorCase>& cases, const std::string& path = "net.yaml") {
  for (const auto& c : cases) {
    const InputError e = load_error(c.text, path);
    EXPECT_EQ(e.where().line, c.line) << c.name << ": " << e.what();
    EXPECT_EQ(e.where().column, c.column) << c.name << ": " << e.what();
    EXPECT_NE(e.message().find(c.part), std::string::npos) << c.name << ": " << e.what();
  }
}

// Replaces the first `from` in `text` by `to`.
std::string with(std::string text, const std::string& from, const std::string& to) {
  const auto pos = text.find(from);
  EXPECT_NE(pos, std::string::npos) << from;
  return pos == std::string::npos ? text : text.replace(pos, from.size(), to);
}

TEST(Network, KeyErrorsNameTheirPlace) {
  const std::string net = network();
  expect_errors({
      {"engine value", with(net, "{sessions: network}", "{sessions: slow}"), 9, 20,
       "engine.sessions: expected one of fast, network, got \"slow\""},
      {"engine key", with(net, "{sessions: network}", "{session: network}"), 9, 10,
       "engine: unknown key \"session\""},
      {"bandwidth unit", with(net, "100Mbps", "100Mbpz"), 12, 25,
       "servers[\"mailhost1.example.com\"].uplink.bandwidth: expected a bandwidth"},
      {"bandwidth zero", with(net, "100Mbps", "0Mbps"), 12, 25, "expected a positive bandwidth"},
      {"bandwidth limit", with(net, "100Mbps", "9000Tbps"), 12, 25, "the limit is 1e15 bytes per second"},
      {"uplink without bandwidth", with(net, "{bandwidth: 100Mbps, latency: 2ms}", "{latency: 2ms}"),
       12, 13, "uplink: missing key \"bandwidth\""},
      {"uplink latency", with(net, "latency: 2ms", "latency: 2 ms"), 12, 43,
       "uplink.latency: expected a duration"},
      {"cores", with(net, "cores: 8", "cores: 2000"), 13, 18,
       "cpu.cores: expected a whole number from 1 to 1024"},
      {"speed unit", with(net, "speed: 1Gf}", "speed: 1GHz}"), 13, 28, "cpu.speed: expected a speed"},
      {"speed limit", with(net, "speed: 1Gf}", "speed: 2Pf}"), 13, 28, "the limit is 1e15 flop/s"},
      {"speed missing", with(net, "{cores: 8, speed: 1Gf}", "{cores: 8}"), 13, 10,
       "cpu: missing key \"speed\""},
      {"cpu without work", with(net, "    work: 200Mf\n", ""), 17, 5,
       "missing key \"work\" (cpu needs"},
      {"work without cpu", with(net, "    cpu: {speed: 2Gf/s}\n", ""), 17, 5,
       "missing key \"cpu\" (work needs"},
      {"work unit", with(net, "work: 200Mf", "work: 200MB"), 18, 11,
       "servers[\"mailhost2.example.com\"].work: expected a number of flops"},
      {"work limit", with(net, "work: 200Mf", "work: 2e18"), 18, 11, "the limit is 1e18 flops"},
      {"link bandwidth", with(net, "{bandwidth: 1Gbps, latency: 1ms}", "{bandwidth: fast}"), 23, 23,
       "senders[0].link.bandwidth: expected a bandwidth"},
      {"link scalar", with(net, "{bandwidth: 1Gbps, latency: 1ms}", "1Gbps"), 23, 11,
       "senders[0].link: expected a map {bandwidth, latency}"},
      {"size unit", with(net, "size: 10KiB", "size: 10kb"), 28, 11,
       "senders[1].size: expected a size"},
      {"size zero", with(net, "size: 10KiB", "size: 0"), 28, 11, "expected a positive size"},
      {"size limit", with(net, "size: 10KiB", "size: 2TB"), 28, 11, "the limit is 1e12 bytes"},
      {"size missing", with(net, "    size: 10KiB\n", ""), 25, 5,
       "senders[1]: missing key \"size\": size is required with engine: {sessions: network}"},
      {"median and mean", with(net, "median: 60KB", "mean: 1KB, median: 60KB"), 24, 40,
       "mean and median are both given"},
      {"median not lognormal", with(net, "size: 10KiB", "size: {dist: exponential, median: 1KB}"), 28, 31,
       "median applies only to dist: lognormal"},
      {"neither median nor mean", with(net, "median: 60KB, ", ""), 24, 11,
       "missing key \"mean\" (the mean message size, e.g. mean: 60KB, or median)"},
      {"median makes the mean too large", with(net, "median: 60KB, sigma: 1.2", "median: 1GB, sigma: 5"),
       24, 37, "senders[0].size.median: with sigma 5 the mean is"},
  });
}

TEST(Network, LinkEvents) {
  const auto event = [](const std::string& item) { return network("events:\n  - " + item + "\n"); };
  // The event is on line 30, its target value at column 31.
  expect_errors({
      {"unknown server", event("{at: 1m, for: 1m, target: uplink:mailhost3.example.com, fault: down}"),
       30, 31, "names no entry of servers"},
      {"server without uplink",
       with(event("{at: 1m, for: 1m, target: uplink:mailhost2.example.com, fault: down}"),
            "    uplink: {bandwidth: 1GBps}\n", ""),
       29, 31, "servers[\"mailhost2.example.com.\"] at line 15 has no uplink"},
      {"unknown group", event("{at: 1m, for: 1m, target: link:bulk, fault: down}"), 30, 31,
       "\"link:bulk\" names no sender group"},
      {"group without link", event("{at: 1m, for: 1m, target: link:small, fault: down}"), 30, 31,
       "sender group \"small\" at line 25 has no link"},
      {"refuse on a link", event("{at: 1m, for: 1m, target: link:isp, fault: refuse}"), 30, 48,
       "events[0].fault: refuse applies to servers; a link (\"link:isp\") can only be down or degrade"},
      {"slow on a link", event("{at: 1m, for: 1m, target: link:isp, fault: slow, factor: 2}"), 30, 48,
       "slow applies to servers"},
      {"degrade on a server",
       event("{at: 1m, for: 1m, target: mailhost1.example.com, fault: degrade, factor: 0.5}"), 30, 61,
       "degrade applies to links"},
      {"degrade without factor", event("{at: 1m, for: 1m, target: link:isp, fault: degrade}"), 30, 5,
       "fault degrade needs factor"},
      {"degrade factor 0", event("{at: 1m, for: 1m, target: link:isp, fault: degrade, factor: 0}"), 30,
       65, "events[0].factor: expected a number greater than 0 and at most 1, got \"0\""},
      {"degrade factor above 1",
       event("{at: 1m, for: 1m, target: link:isp, fault: degrade, factor: 1.5}"), 30, 65,
       "expected a number greater than 0 and at most 1"},
      {"factor with down", event("{at: 1m, for: 1m, target: link:isp, fault: down, factor: 0.5}"), 30,
       54, "factor applies only to fault: slow or degrade"},
  });
}

TEST(Network, OverlappingLinkFaults) {
  const std::vector<OverlapCase> cases = {
      {"down and degrade on one link",
       "  - {at: 0, for: 1h, target: link:isp, fault: down}\n"
       "  - {at: 30m, for: 1h, target: link:isp, fault: degrade, factor: 0.5}\n",
       "fault degrade (factor 0.5) on link \"link:isp\" overlaps fault down"},
      {"two degrades on one link",
       "  - {at: 0, for: 1h, target: uplink:mailhost1.example.com, fault: degrade, factor: 0.1}\n"
       "  - {at: 30m, for: 1h, target: uplink:mailhost1.example.com, fault: degrade, factor: 0.5}\n",
       "contradictory faults on one link cannot overlap"},
      {"periodic down and degrade",
       "  - {at: 0, every: 1h, for: 10m, target: link:isp, fault: down}\n"
       "  - {at: 125m, for: 1m, target: link:isp, fault: degrade, factor: 0.5}\n",
       "overlaps fault down"},
      {"same fault twice", "  - {at: 0, for: 1h, target: link:isp, fault: down}\n"
                           "  - {at: 30m, for: 1h, target: link:isp, fault: down}\n",
       nullptr},
      {"apart in time", "  - {at: 0, for: 1h, target: link:isp, fault: down}\n"
                        "  - {at: 1h, for: 1h, target: link:isp, fault: degrade, factor: 0.5}\n",
       nullptr},
      {"two links", "  - {at: 0, for: 1h, target: link:isp, fault: down}\n"
                    "  - {at: 0, for: 1h, target: uplink:mailhost1.example.com, fault: degrade, factor: 0.5}\n",
       nullptr},
      {"a link and its server", "  - {at: 0, for: 1h, target: uplink:mailhost1.example.com, fault: down}\n"
                                "  - {at: 0, for: 1h, target: mailhost1.example.com, fault: refuse}\n",
       nullptr},
  };
  for (const auto& c : cases) {
    const std::string text = network(std::string("events:\n") + c.events);
    if (c.error_part == nullptr) {
      EXPECT_NO_THROW(load_text(text, "overlap.yaml")) << c.name;
      continue;
    }
    const InputError e = load_error(text, "overlap.yaml");
    EXPECT_NE(e.message().find(c.error_part), std::string::npos) << c.name << ": " << e.what();
    EXPECT_EQ(e.where().line, 31) << c.name << ": the later event is on line 31";
  }
}

TEST(Network, PlatformFile) {
  // Resolved against the scenario's folder, as zone_file is; the file need not exist.
  const std::string path = kData + "/net.yaml";
  const std::string servers = "servers:\n  mailhost1.example.com: {cpu: {speed: 1Gf}, work: 1e8}\n";
  const std::string senders = "senders:\n  - {name: isp, rate: 1/s, to: example.com, size: 60KB}\n";
  const std::string head = "duration: 1h\n" + kZone + "engine: {sessions: network}\n";
  const std::string platform = "platform: platforms/two-links.xml\n";
  const Scenario s = load_text(head + platform + servers + senders +
                                   "events:\n"
                                   "  - {at: 1m, for: 1m, target: Backbone, fault: degrade, factor: 0.5}\n"
                                   "  - {at: 1m, for: 1m, target: 'isp/eth0', fault: down}\n"
                                   "  - {at: 1m, for: 1m, target: mailhost1.example.com, fault: refuse}\n"
                                   "  - {at: 1m, for: 1m, target: 192.0.2.20, fault: down}\n",
                               path);
  ASSERT_TRUE(s.platform.has_value());
  EXPECT_EQ(*s.platform, kData + "/platforms/two-links.xml");
  EXPECT_EQ(s.platform_where.line, 10);
  EXPECT_EQ(s.platform_where.column, 11);
  ASSERT_EQ(s.events.size(), 4u);
  EXPECT_TRUE(s.events[0].on_link);
  EXPECT_EQ(s.events[0].target, "Backbone");  // as written: the engine looks it up in the platform
  EXPECT_TRUE(s.events[1].on_link);
  EXPECT_EQ(s.events[1].target, "isp/eth0");
  EXPECT_FALSE(s.events[2].on_link);
  EXPECT_EQ(s.events[2].target, "mailhost1.example.com.");
  EXPECT_FALSE(s.events[3].on_link);

  const std::string event_line_16 = "events:\n  - {at: 1m, for: 1m, target: ";
  expect_errors(
      {
          {"platform without network", "duration: 1h\n" + kZone + platform + kSenders, 9, 1,
           "platform: a platform file needs engine: {sessions: network}"},
          {"platform with fast", "duration: 1h\n" + kZone + "engine: {sessions: fast}\n" + platform + kSenders,
           10, 1, "needs engine: {sessions: network}"},
          {"missing platform file", head + "platform: platforms/none.xml\n" + servers + senders, 10, 11,
           "platform: cannot read \"platforms/none.xml\""},
          {"platform is a folder", head + "platform: platforms\n" + servers + senders, 10, 11,
           "platform: cannot read"},
          {"uplink with platform",
           head + platform + "servers:\n  mailhost1.example.com: {uplink: {bandwidth: 1Gbps}}\n" + senders, 12,
           27, "servers[\"mailhost1.example.com\"].uplink: describe links in the platform file"},
          {"link with platform",
           head + platform + "senders:\n  - {name: a, rate: 1/s, to: example.com, size: 1KB, link: {bandwidth: 1Gbps}}\n",
           12, 54, "senders[0].link: describe links in the platform file"},
          {"uplink: target with platform", head + platform + servers + senders + event_line_16 + "uplink:x, fault: down}\n",
           16, 31, "with platform: given, name a link of the platform file"},
          {"degrade on a zone server",
           head + platform + servers + senders + event_line_16 + "mailhost1.example.com, fault: degrade, factor: 0.5}\n",
           16, 61, "degrade applies to links"},
          {"refuse on a platform link",
           head + platform + servers + senders + event_line_16 + "Backbone, fault: refuse}\n", 16, 48,
           "refuse applies to servers"},
      },
      path);
}

// `# expect: LINE:COLUMN: part of the message` on the first line of each file,
// and optionally `# limits: NAME=VALUE...` on the second (what --limit gives):
// a limit is tested on a small file by lowering it.
TEST(Loader, MalformedFiles) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(kData + "/malformed"))
    if (entry.path().extension() == ".yaml") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  ASSERT_GE(files.size(), 14u);

  const std::regex expect_line(R"(^# expect: (\d+):(\d+): (.+)$)");
  for (const auto& file : files) {
    std::ifstream in(file);
    std::string first;
    std::getline(in, first);
    std::smatch m;
    ASSERT_TRUE(std::regex_match(first, m, expect_line)) << file << ": no `# expect:` line";
    const int line = std::stoi(m[1]);
    const int column = std::stoi(m[2]);
    const std::string part = m[3];
    std::string second;
    std::getline(in, second);
    std::vector<std::string> assignments;
    if (second.rfind("# limits:", 0) == 0) {
      std::istringstream words(second.substr(9));
      for (std::string word; words >> word;) assignments.push_back(word);
    }
    try {
      load_file(file.string(), mxsim::scenario::parse_limits(assignments));
      ADD_FAILURE() << file << " loaded without error";
    } catch (const InputError& e) {
      EXPECT_EQ(e.where().line, line) << file << ": " << e.what();
      EXPECT_EQ(e.where().column, column) << file << ": " << e.what();
      EXPECT_NE(e.message().find(part), std::string::npos) << file << ": " << e.what();
      EXPECT_NE(std::string(e.what()).find(e.where().file), std::string::npos);
    }
  }
}

TEST(Loader, MissingFile) {
  try {
    load_file(kData + "/no-such-scenario.yaml");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_EQ(e.where().file, kData + "/no-such-scenario.yaml");
  }
}

// Whatever the bytes, the loader answers with a Scenario or an InputError:
// every line-prefix of the contract example, and the example with one byte
// replaced at many places.
TEST(Loader, NoCrashOnDamagedInput) {
  std::ifstream in(kData + "/contract-example.yaml");
  const std::string text((std::istreambuf_iterator<char>(in)), {});
  std::vector<std::string> inputs;
  for (std::size_t pos = 0; pos <= text.size(); pos = text.find('\n', pos + 1)) {
    inputs.push_back(text.substr(0, pos));
    if (pos == std::string::npos) break;
  }
  for (std::size_t pos = 0; pos < text.size(); pos += 13)
    for (char c : {'{', ']', ':', '-', ' ', '\t', '"', '|', '\0'}) {
      std::string damaged = text;
      damaged[pos] = c;
      inputs.push_back(std::move(damaged));
    }
  for (const auto& input : inputs) {
    try {
      load_text(input, kData + "/damaged.yaml");
    } catch (const InputError&) {
    } catch (const std::exception& e) {
      ADD_FAILURE() << "not an InputError: " << e.what() << "\nfor:\n" << input;
    }
  }
}

}  // namespace
