// Unit tests of sweeps without processes: key paths, the order of points,
// shards, the scenario text of a point (every example scenario survives the
// round trip), CSV quoting and the merge of shards.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "scenario/scenario.hpp"
#include "sweep/sweep.hpp"
#include "util/csv.hpp"
#include "util/sha256.hpp"

namespace mxsim::sweep {
namespace {

const std::string kData = MXSIM_TEST_DATA;
const std::string kScenarios = MXSIM_SCENARIOS;

struct PathCase {
  const char* text;
  std::vector<std::string> shown;  // key, #index or "quoted" as 'key'
};

std::vector<std::string> shown(const std::vector<Step>& steps) {
  std::vector<std::string> out;
  for (const auto& s : steps)
    out.push_back(s.kind == Step::Kind::index ? "#" + std::to_string(s.index) : s.quoted ? "'" + s.key + "'" : s.key);
  return out;
}

TEST(SweepPath, Parses) {
  const std::vector<PathCase> cases{
      {"duration", {"duration"}},
      {"senders[0].rate", {"senders", "#0", "rate"}},
      {"servers[\"mx2.example.com\"].sessions", {"servers", "'mx2.example.com'", "sessions"}},
      {"servers['mx2.example.com'].service.mean", {"servers", "'mx2.example.com'", "service", "mean"}},
      {"events[1].for", {"events", "#1", "for"}},
      {"report.percentiles[2]", {"report", "percentiles", "#2"}},
      {"a[0][1]", {"a", "#0", "#1"}},
  };
  for (const auto& c : cases) EXPECT_EQ(shown(parse_path(c.text)), c.shown) << c.text;
}

TEST(SweepPath, RefusesMalformedPaths) {
  for (const char* text : {"", ".rate", "senders.", "senders..rate", "senders[x]", "senders[0", "senders[-1]",
                           "servers[\"a.b].x", "a[0]b", "a.[0]"})
    EXPECT_THROW(parse_path(text), std::invalid_argument) << text;
}

Sweep grid_sweep(const std::string& grid, const std::string& seeds = "[1, 2]") {
  return Sweep::load_text("scenario: " + kScenarios + "/seed-failover.yaml\nseeds: " + seeds + "\ngrid:\n" + grid,
                          "/nowhere/sweep.yaml");
}

TEST(Sweep, PointsVaryTheFirstParameterSlowestAndTheSeedFastest) {
  const Sweep s = grid_sweep("  senders[0].rate: [10/s, 20/s, 40/s]\n  servers[\"mailhost2.example.com\"].sessions: [5, 10]\n");
  ASSERT_EQ(s.points(), 12u);
  const Point p0 = s.point(0), p1 = s.point(1), p2 = s.point(2), p11 = s.point(11);
  EXPECT_EQ(p0.choice, (std::vector<std::size_t>{0, 0}));
  EXPECT_EQ(*p0.seed, 1u);
  EXPECT_EQ(p1.choice, (std::vector<std::size_t>{0, 0}));
  EXPECT_EQ(*p1.seed, 2u);
  EXPECT_EQ(p2.choice, (std::vector<std::size_t>{0, 1}));
  EXPECT_EQ(p11.choice, (std::vector<std::size_t>{2, 1}));
  EXPECT_EQ(*p11.seed, 2u);
}

TEST(Sweep, ScenarioTextCarriesTheValues) {
  const Sweep s = grid_sweep("  senders[0].rate: [10/s, 40/s]\n  servers.mailhost2.example.com.sessions: [5, 7]\n"
                             "  report.bin: [5m]\n  events[0].for: [2h]\n");
  const auto loaded = scenario::load_text(s.scenario_text(s.point(7)), "copy.yaml");
  EXPECT_EQ(loaded.name, "seed-failover");
  EXPECT_DOUBLE_EQ(loaded.senders[0].rate, 40.0);
  ASSERT_EQ(loaded.servers.size(), 2u);
  EXPECT_EQ(loaded.servers[1].key, "mailhost2.example.com.");
  EXPECT_EQ(loaded.servers[1].sessions, 7);
  EXPECT_DOUBLE_EQ(loaded.report.bin, 300.0);
  EXPECT_DOUBLE_EQ(loaded.events[0].length, 7200.0);
}

TEST(Sweep, DottedAndQuotedKeysNameTheSameEntry) {
  const Sweep dotted = grid_sweep("  servers.mailhost2.example.com.sessions: [9]\n");
  const Sweep quoted = grid_sweep("  servers[\"mailhost2.example.com\"].sessions: [9]\n");
  EXPECT_EQ(dotted.scenario_text(dotted.point(0)), quoted.scenario_text(quoted.point(0)));
}

TEST(Sweep, TheLongestExistingDottedKeyWins) {
  // The first parameter creates a server "mailhost2" beside "mailhost2.example.com";
  // the second path spells both and must land in the longer one.
  const Sweep s = grid_sweep("  servers[\"mailhost2\"].sessions: [3]\n  servers.mailhost2.example.com.sessions: [9]\n", "[1]");
  const YAML::Node text = YAML::Load(s.scenario_text(s.point(0)));
  EXPECT_EQ(text["servers"]["mailhost2.example.com"]["sessions"].as<int>(), 9);
  EXPECT_EQ(text["servers"]["mailhost2"]["sessions"].as<int>(), 3);
  EXPECT_FALSE(text["servers"]["mailhost2"]["example"]);
}

TEST(Sweep, MissingKeysAreCreated) {
  const Sweep s = grid_sweep("  horizon: [3d]\n  servers[\"mailhost1.example.com\"].backlog: [4]\n", "[1]");
  const auto loaded = scenario::load_text(s.scenario_text(s.point(0)), "copy.yaml");
  EXPECT_DOUBLE_EQ(*loaded.horizon, 3 * 86400.0);
  EXPECT_EQ(loaded.servers[0].backlog, 4);
}

TEST(Sweep, PathsThatDoNotFitAreErrorsAtTheParameter) {
  for (const char* grid : {"  senders[3].rate: [1/s]\n", "  duration.x: [1]\n", "  senders.rate: [1/s]\n"}) {
    const Sweep s = grid_sweep(grid, "[1]");
    try {
      s.scenario_text(s.point(0));
      ADD_FAILURE() << grid;
    } catch (const util::InputError& e) {
      EXPECT_EQ(e.where().file, "/nowhere/sweep.yaml");
      EXPECT_EQ(e.where().line, 4) << e.what();
    }
  }
}

TEST(Sweep, SweepFileErrorsAreLocated) {
  auto error_at = [](const std::string& text) {
    try {
      Sweep::load_text(text, "s.yaml");
    } catch (const util::InputError& e) {
      return e.where().line;
    }
    return -1;
  };
  const std::string scenario = "scenario: " + kScenarios + "/seed-failover.yaml\n";
  EXPECT_EQ(error_at(scenario + "grids: {}\n"), 2);
  EXPECT_EQ(error_at(scenario + "grid:\n  senders[0].rate: 10/s\n"), 3);
  EXPECT_EQ(error_at(scenario + "grid:\n  senders[x].rate: [10/s]\n"), 3);
  EXPECT_EQ(error_at(scenario + "seeds: [1, one]\n"), 2);
  EXPECT_EQ(error_at(scenario + "seeds: [1, 1]\n"), 2);
  EXPECT_EQ(error_at("scenario: no-such-file.yaml\n"), 1);
  EXPECT_EQ(grid_sweep("", "{from: 5, count: 3}").seeds(), (std::vector<std::uint64_t>{5, 6, 7}));
}

TEST(Sweep, EveryExampleScenarioSurvivesTheRoundTrip) {
  for (const auto& entry : std::filesystem::directory_iterator(kScenarios)) {
    if (entry.path().extension() != ".yaml") continue;
    const auto original = scenario::load_file(entry.path().string());
    const Sweep s = Sweep::load_text("scenario: " + entry.path().string() + "\n", "/nowhere/sweep.yaml");
    const auto copy = scenario::load_text(s.scenario_text(s.point(0)), "/elsewhere/copy.yaml");
    SCOPED_TRACE(entry.path().filename().string());
    EXPECT_EQ(copy.name, original.name);
    EXPECT_EQ(copy.description, original.description);
    EXPECT_EQ(copy.zone_text, original.zone_text);
    EXPECT_EQ(copy.servers.size(), original.servers.size());
    EXPECT_EQ(copy.senders.size(), original.senders.size());
    ASSERT_EQ(copy.events.size(), original.events.size());
    for (std::size_t i = 0; i < copy.events.size(); ++i) {
      EXPECT_EQ(copy.events[i].at, original.events[i].at);
      // A quoted zone text may come back as a block with a final newline.
      EXPECT_EQ(copy.events[i].zone_text.substr(0, original.events[i].zone_text.size()), original.events[i].zone_text);
    }
  }
}

TEST(Sweep, ZoneFileBecomesAbsoluteAndTheNameStays) {
  const Sweep s = Sweep::load_file(kData + "/sweep/grid.yaml");
  const std::string text = s.scenario_text(s.point(0));
  EXPECT_NE(text.find("name: mini"), std::string::npos) << text;
  const auto copy = scenario::load_text(text, "/elsewhere/copy.yaml");
  EXPECT_EQ(copy.name, "mini");
  EXPECT_NE(copy.zone_text.find("mailhost2"), std::string::npos);
}

TEST(Shard, SplitsEveryPointIntoExactlyOneShard) {
  for (std::size_t n : {1u, 2u, 3u, 7u}) {
    std::vector<int> owners(50, 0);
    for (std::size_t k = 1; k <= n; ++k) {
      const Shard shard = parse_shard(std::to_string(k) + "/" + std::to_string(n));
      for (std::size_t i = 0; i < owners.size(); ++i) owners[i] += shard.contains(i);
    }
    for (int count : owners) EXPECT_EQ(count, 1);
  }
  for (const char* bad : {"0/3", "4/3", "1/0", "1", "a/b", "1/3x", "/3"}) EXPECT_THROW(parse_shard(bad), std::invalid_argument) << bad;
}

TEST(Csv, QuotesOnlyWhatNeedsIt) {
  EXPECT_EQ(csv_field("10/s"), "10/s");
  EXPECT_EQ(csv_field("servers[\"a.b\"].x"), "\"servers[\"\"a.b\"\"].x\"");
  EXPECT_EQ(csv_field("{dist: exponential, mean: 1s}"), "\"{dist: exponential, mean: 1s}\"");
}

TEST(Merge, ShardsInAnyOrderGiveTheWholeFile) {
  const std::string header = "point,points,x,seed,status\n";
  std::string whole = header, a = header, b = header;
  for (int i = 0; i < 5; ++i) {
    const std::string row = std::to_string(i) + ",5,v" + std::to_string(i) + ",1,ok\n";
    whole += row;
    (i % 2 ? b : a) += row;
  }
  EXPECT_EQ(merge({{"b", b}, {"a", a}}), whole);
  EXPECT_EQ(merge({{"whole", whole}}), whole);
}

TEST(Merge, RefusesWhatIsNotAWholeSweep) {
  const std::string header = "point,points,x,seed,status\n";
  auto code = [](const std::vector<MergeInput>& inputs) {
    try {
      merge(inputs);
    } catch (const MergeError& e) {
      return e.exit_code();
    }
    return 0;
  };
  EXPECT_EQ(code({{"a", header + "0,2,a,1,ok\n"}}), 1);                                      // point 1 missing
  EXPECT_EQ(code({{"a", header + "0,2,a,1,ok\n"}, {"b", header + "0,2,a,1,ok\n1,2,b,1,ok\n"}}), 1);  // twice
  EXPECT_EQ(code({{"a", header + "0,1,a,1,ok\n# incomplete: interrupted by SIGINT\n"}}), 1);
  EXPECT_EQ(code({{"a", header + "0,2,a,1,ok\n"}, {"b", "point,points,y,seed,status\n1,2,b,1,ok\n"}}), 2);
  EXPECT_EQ(code({{"a", header + "0,2,a,1,ok\n"}, {"b", header + "1,3,b,1,ok\n"}}), 2);
  EXPECT_EQ(code({{"a", "x,y\n1,2\n"}}), 2);
  EXPECT_EQ(code({{"a", ""}}), 2);
}

TEST(Merge, RefusesShardsOfDifferentSweepsWithTheReason) {
  const std::string header = "point,points,x,seed,status,sweep_mxsim_version,sweep_scenario_sha256,sweep_grid_sha256\n";
  auto message = [](const std::vector<MergeInput>& inputs) -> std::pair<int, std::string> {
    try {
      merge(inputs);
    } catch (const MergeError& e) {
      return {e.exit_code(), e.what()};
    }
    return {0, ""};
  };
  const std::string a = header + "0,2,a,1,ok,0.1.0,aaa,ggg\n";
  EXPECT_EQ(message({{"a", a}, {"b", header + "1,2,b,1,ok,0.1.0,aaa,ggg\n"}}).first, 0);
  const auto grid = message({{"a", a}, {"b", header + "1,2,b,1,ok,0.1.0,aaa,hhh\n"}});
  EXPECT_EQ(grid.first, 2);
  EXPECT_NE(grid.second.find("sweep_grid_sha256 is hhh but ggg in a"), std::string::npos) << grid.second;
  EXPECT_EQ(message({{"a", a}, {"b", header + "1,2,b,1,ok,0.1.0,bbb,ggg\n"}}).first, 2);
  EXPECT_EQ(message({{"a", a}, {"b", header + "1,2,b,1,ok,0.2.0,aaa,ggg\n"}}).first, 2);
}

TEST(Merge, QuotedFieldsWithCommasAndLineBreaksStayWhole) {
  const std::string header = "point,points,\"servers[\"\"a,b\"\"].x\",seed,status\n";
  const std::string row0 = "0,2,\"one,\ntwo \"\"q\"\"\",1,ok\n", row1 = "1,2,plain,1,ok\n";
  EXPECT_EQ(merge({{"b", header + row1}, {"a", header + row0}}), header + row0 + row1);
}

TEST(Merge, EveryRowOfARealSweepNamesItsSweep) {
  const auto sweep = Sweep::load_file(kData + "/sweep/grid.yaml");
  const auto header = util::parse_csv(csv_header(sweep)).front().fields;
  const auto row = util::parse_csv(csv_row(sweep, sweep.point(0), "error", nullptr, 1)).front().fields;
  ASSERT_EQ(header.size(), row.size());
  const auto at = [&](const std::string& name) {
    return row[static_cast<std::size_t>(std::find(header.begin(), header.end(), name) - header.begin())];
  };
  EXPECT_EQ(at("sweep_scenario_sha256").size(), 64u);
  EXPECT_EQ(at("sweep_grid_sha256"), sweep.grid_sha256());
  EXPECT_FALSE(at("sweep_mxsim_version").empty());
  for (const char* name : {"delivery_p99_s", "delivery_p99", "jain_index_min", "jain_min", "connections_per_message"})
    EXPECT_NE(std::find(header.begin(), header.end(), name), header.end()) << name;
}

TEST(Sha256, KnownDigests) {
  EXPECT_EQ(util::sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(util::sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(util::sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

}  // namespace
}  // namespace mxsim::sweep
