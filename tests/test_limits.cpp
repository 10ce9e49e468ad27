// Tests of the limits on hostile input (scenario/limits.hpp): --limit
// parsing, the defaults, files too large to read, alias expansion ("billion
// laughs"), and yaml-cpp inputs that used to hang or recurse. Each limit also
// has a small file in tests/data/malformed that lowers it (`# limits:`).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "dns/zone.hpp"
#include "scenario/scenario.hpp"

namespace {

namespace fs = std::filesystem;
using mxsim::scenario::Limits;
using mxsim::scenario::load_file;
using mxsim::scenario::load_text;
using mxsim::scenario::parse_limits;
using mxsim::scenario::set_limit;
using mxsim::util::InputError;

const std::string kMinimal =
    "duration: 1h\n"
    "zone: |\n"
    "  $ORIGIN example.com.\n"
    "  @          IN MX 10 mailhost1\n"
    "  mailhost1  IN A    192.0.2.10\n"
    "senders:\n"
    "  - name: isp\n"
    "    rate: 10/s\n"
    "    to: example.com\n";

InputError load_error(const std::string& text, const Limits& limits = {}) {
  try {
    load_text(text, "test.yaml", limits);
  } catch (const InputError& e) {
    return e;
  }
  ADD_FAILURE() << "expected an InputError for:\n" << text.substr(0, 400);
  return InputError({}, "none");
}

TEST(Limits, DefaultsAreTheDocumentedOnes) {
  const Limits limits;
  EXPECT_EQ(limits.file_size, 16u << 20);
  EXPECT_EQ(limits.zone_records, 1'000'000u);
  EXPECT_EQ(limits.addresses, 1'000u);
  EXPECT_EQ(limits.senders, 1'000u);
  EXPECT_EQ(limits.mtas, 100'000u);
  EXPECT_EQ(limits.events, 10'000u);
  EXPECT_EQ(limits.messages, 1'000'000'000u);
  EXPECT_EQ(limits.timeseries_rows, 10'000'000u);
  EXPECT_EQ(limits.mx_per_name, 1'000u);
  EXPECT_EQ(limits.platform_hosts, 100'000u);
  EXPECT_EQ(limits.trace_bytes, std::uint64_t{4} << 30);
  EXPECT_EQ(limits.runs, 10'000u);
  EXPECT_EQ(mxsim::scenario::limit_table().size(), 13u);
}

TEST(Limits, SetLimit) {
  Limits limits;
  set_limit(limits, "file_size=64MiB");
  EXPECT_EQ(limits.file_size, 64u << 20);
  set_limit(limits, "file_size=3KiB");
  EXPECT_EQ(limits.file_size, 3u << 10);
  set_limit(limits, "file_size=1GiB");
  EXPECT_EQ(limits.file_size, 1u << 30);
  set_limit(limits, "file_size=12345");
  EXPECT_EQ(limits.file_size, 12345u);
  set_limit(limits, "events=50000");
  EXPECT_EQ(limits.events, 50000u);
  EXPECT_EQ(parse_limits({"mtas=7", "senders=3"}).mtas, 7u);
  for (const char* bad : {"nope=1", "events", "events=", "events=0", "events=-1", "events=1e6",
                          "events=5MiB", "file_size=1TiB", "file_size=MiB",
                          "file_size=99999999999999999999", "file_size=17179869184GiB"}) {
    EXPECT_THROW(set_limit(limits, bad), std::invalid_argument) << bad;
  }
  try {
    set_limit(limits, "nope=1");
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("zone_records"), std::string::npos) << e.what();
  }
}

TEST(Limits, MessagesNameTheLimitAndHowToRaiseIt) {
  Limits limits;
  limits.events = 1;
  const auto e = load_error(kMinimal +
                                "events:\n"
                                "  - {at: 10m, for: 1m, target: mailhost1.example.com, fault: down}\n"
                                "  - {at: 20m, for: 1m, target: mailhost1.example.com, fault: down}\n",
                            limits);
  EXPECT_EQ(e.where().line, 12);
  EXPECT_NE(e.message().find("events[1]: one event too many: the limit events=1; raise it with --limit "
                             "events=N"),
            std::string::npos)
      << e.what();
  limits.events = 2;
  EXPECT_NO_THROW(load_text(kMinimal +
                                "events:\n"
                                "  - {at: 10m, for: 1m, target: mailhost1.example.com, fault: down}\n"
                                "  - {at: 20m, for: 1m, target: mailhost1.example.com, fault: down}\n",
                            "test.yaml", limits));
}

TEST(Limits, TextLargerThanTheFileSizeLimit) {
  std::string text = kMinimal;
  text.resize((16u << 20) + 1, '#');
  const auto e = load_error(text);
  EXPECT_EQ(e.where().line, 1);
  EXPECT_NE(e.message().find("the file is too large"), std::string::npos) << e.what();
  EXPECT_NE(e.message().find("file_size=16MiB"), std::string::npos) << e.what();
}

TEST(Limits, FileLargerThanTheLimitIsNotRead) {
  const fs::path path = fs::temp_directory_path() / "mxsim-test-limits-large.yaml";
  {
    std::ofstream out(path, std::ios::binary);
    out << kMinimal;
    // A sparse 17 MiB file: its size alone decides.
    out.seekp((17 << 20) - 1);
    out.put('\n');
  }
  try {
    load_file(path.string());
    ADD_FAILURE() << "a 17 MiB file loaded";
  } catch (const InputError& e) {
    EXPECT_EQ(e.where().file, path.string());
    EXPECT_EQ(e.where().line, 1);
    EXPECT_NE(e.message().find("too large"), std::string::npos) << e.what();
  }
  Limits limits;
  limits.file_size = 32u << 20;
  // Raised, the file is read: its NUL padding is then what is wrong with it.
  EXPECT_THROW(load_file(path.string(), limits), InputError);
  fs::remove(path);
}

TEST(Limits, BillionLaughsFailsFast) {
  std::string text = kMinimal + "laughs:\n  a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
  for (char level = 'b'; level <= 'i'; ++level) {
    const char before = static_cast<char>(level - 1);
    text += std::string("  ") + level + ": &" + level + " [";
    for (int i = 0; i < 10; ++i) text += std::string(i ? ", *" : "*") + before;
    text += "]\n";
  }
  const auto start = std::chrono::steady_clock::now();
  const auto e = load_error(text);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_NE(e.message().find("with its aliases expanded"), std::string::npos) << e.what();
  EXPECT_NE(e.message().find("file_size=16MiB"), std::string::npos) << e.what();
  EXPECT_GT(e.where().line, 9);
  // About 16 million nodes are charged before it stops: seconds, not hours,
  // even under AddressSanitizer.
  EXPECT_LT(seconds, 120);
}

TEST(Limits, AliasCycleEndsAtTheCycle) {
  // However large the budget: the cycle is named, not counted out.
  Limits limits;
  limits.file_size = std::uint64_t{1} << 40;
  for (const std::string cycle : {"loop: &a [*a]\n", "loop: &a {k: [x, {j: *a}]}\n", "loop: &a [1, 2, [3, *a, *a, *a]]\n"}) {
    const auto e = load_error(kMinimal + cycle, limits);
    EXPECT_NE(e.message().find("an alias names a node that contains it"), std::string::npos) << cycle << e.what();
    EXPECT_EQ(e.where().line, 10) << cycle;
  }
}

TEST(Limits, AliasesThatNestTooDeepAreNamed) {
  // 300 levels, named inside another 300: no cycle, but 600 levels expanded,
  // past the walk's 512 (yaml-cpp refuses about 500 written out).
  const std::string open(300, '['), close(300, ']');
  const auto e = load_error(kMinimal + "a: &a " + open + close + "\nb: " + open + "*a" + close + "\n");
  EXPECT_NE(e.message().find("nests more than 512 levels deep"), std::string::npos) << e.what();
}

TEST(Limits, OrdinaryAliasesLoad) {
  const std::string text =
      "duration: 1h\n"
      "zone: |\n"
      "  $ORIGIN example.com.\n"
      "  @ IN MX 10 a\n"
      "  @ IN MX 10 b\n"
      "  a IN A 192.0.2.1\n"
      "  b IN A 192.0.2.2\n"
      "servers:\n"
      "  a.example.com: &server {sessions: 10, backlog: 5}\n"
      "  b.example.com: *server\n"
      "senders:\n"
      "  - {name: isp, rate: 10/s, to: example.com}\n";
  const auto s = load_text(text, "test.yaml");
  ASSERT_EQ(s.servers.size(), 2u);
  EXPECT_EQ(s.servers[1].sessions, 10);
  EXPECT_EQ(s.servers[1].backlog, 5);
}

// yaml-cpp 0.7's LoadAll loops forever (its memory growing) on a document
// that starts with a token no node can start with.
TEST(Limits, StrayCommaDoesNotHang) {
  for (const std::string text : {",", ",duration: 1h\n", "- a\n,\n"}) {
    const auto e = load_error(text);
    EXPECT_NE(e.message().find("unexpected \",\""), std::string::npos) << e.what();
  }
  EXPECT_NE(load_error("duration: 1h\n,\n").message().find("YAML syntax error"), std::string::npos);
  const auto e = load_error("duration: 1h\n---\nname: x\n");
  EXPECT_EQ(e.where().line, 3);
  EXPECT_NE(e.message().find("one YAML document"), std::string::npos) << e.what();
}

TEST(Limits, DeepNestingIsAnError) {
  const auto e = load_error("duration: " + std::string(3000, '[') + std::string(3000, ']') + "\n");
  EXPECT_NE(e.message().find("nested too deeply"), std::string::npos) << e.what();
}

TEST(Limits, ZoneRecordsAndAddresses) {
  using mxsim::dns::ZoneDb;
  const std::string zone = "$ORIGIN example.com.\n@ IN MX 10 a\na IN A 192.0.2.1\nb IN A 192.0.2.2\n";
  EXPECT_NO_THROW(ZoneDb::parse(zone, {"z", 1, 1}));
  EXPECT_NO_THROW(ZoneDb::parse(zone, {"z", 1, 1}, {3, 2}));
  try {
    ZoneDb::parse(zone, {"z", 1, 1}, {2, 2});
    ADD_FAILURE();
  } catch (const InputError& e) {
    EXPECT_EQ(e.where().line, 4);
    EXPECT_NE(e.message().find("zone_records=2"), std::string::npos) << e.what();
  }
  try {
    ZoneDb::parse(zone, {"z", 1, 1}, {3, 1});
    ADD_FAILURE();
  } catch (const InputError& e) {
    EXPECT_EQ(e.where().line, 4);
    EXPECT_NE(e.message().find("addresses=1"), std::string::npos) << e.what();
  }
  // Updates count with the base zone.
  auto db = ZoneDb::parse(zone, {"z", 1, 1}, {4, 10});
  EXPECT_THROW(db.add_update("c IN A 192.0.2.3\nd IN A 192.0.2.4\n", {"z", 10, 1}), InputError);
}

}  // namespace
