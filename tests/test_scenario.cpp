// Tests of the scenario loader: the contract's full example, defaults, name
// handling, where zone errors are reported, event overlap rules, and a table
// of malformed files (tests/data/malformed) that each name the error they expect.
#include <gtest/gtest.h>

#include <algorithm>
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
