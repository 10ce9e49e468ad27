// Platform files checked before SimGrid sees them (scenario/platform_check.hpp):
// a table of platforms, each with the reachability SimGrid 3.32 gives it.
#include <gtest/gtest.h>

#include <string>

#include "scenario/platform_check.hpp"

namespace mxsim::scenario {
namespace {

struct Case {
  const char* name;
  const char* zones;  // inside <platform>
  const char* error;  // "" when the platform must pass; else part of the message
};

// Sender host "s", server hosts "m1" and "m2".
const Case kCases[] = {
    {"full, symmetrical by default",
     "<zone id='w' routing='Full'><host id='s'/><host id='m1'/><host id='m2'/><link id='l'/>"
     "<route src='s' dst='m1'><link_ctn id='l'/></route><route src='m2' dst='s'><link_ctn id='l'/></route></zone>",
     ""},
    {"full, a pair without a route",
     "<zone id='w' routing='Full'><host id='s'/><host id='m1'/><host id='m2'/>"
     "<route src='s' dst='m1'/></zone>",
     "zone \"w\" (line 1) declares no route from \"s\" to \"m2\""},
    {"full, one-way",
     "<zone id='w' routing='Full'><host id='s'/><host id='m1'/><host id='m2'/>"
     "<route src='s' dst='m1' symmetrical='NO'/><route src='s' dst='m2'/></zone>",
     "one-way (symmetrical=\"NO\")"},
    {"full, two one-way routes make both ways",
     "<zone id='w' routing='Full'><host id='s'/><host id='m1'/><host id='m2'/>"
     "<route src='s' dst='m1' symmetrical='NO'/><route src='m1' dst='s' symmetrical='NO'/><route src='s' dst='m2'/>"
     "</zone>",
     ""},
    {"floyd composes routes through a router",
     "<zone id='w' routing='Floyd'><host id='s'/><router id='r'/><host id='m1'/><host id='m2'/>"
     "<route src='s' dst='r'/><route src='r' dst='m1'/><route src='r' dst='m2'/></zone>",
     ""},
    {"dijkstra, a one-way hop breaks the way back",
     "<zone id='w' routing='Dijkstra'><host id='s'/><router id='r'/><host id='m1'/><host id='m2'/>"
     "<route src='s' dst='r'/><route src='r' dst='m1' symmetrical='NO'/><route src='r' dst='m2'/></zone>",
     "no route from host \"m1\" to host \"s\""},
    {"routing None",
     "<zone id='w' routing='None'><host id='s'/><host id='m1'/><host id='m2'/></zone>", "routing=\"None\""},
    {"a cluster connects its hosts",
     "<cluster id='c' prefix='' suffix='' radical='0-1' speed='1Gf' bw='1GBps' lat='1ms'/>"
     "", "no host named \"m1\""},
    {"zones joined by a zoneRoute through gateways",
     "<zone id='w' routing='Full'><zone id='a' routing='Full'><host id='s'/><router id='ga'/><route src='s' dst='ga'/>"
     "</zone><cluster id='b' prefix='m' suffix='' radical='1-2' speed='1Gf' bw='1GBps' lat='1ms' router_id='gb'/>"
     "<zoneRoute src='a' dst='b' gw_src='ga' gw_dst='gb'/></zone>",
     ""},
    {"a zoneRoute without its gateway",
     "<zone id='w' routing='Full'><zone id='a' routing='Full'><host id='s'/></zone>"
     "<cluster id='b' prefix='m' suffix='' radical='1-2' speed='1Gf' bw='1GBps' lat='1ms'/>"
     "<zoneRoute src='a' dst='b'/></zone>",
     "needs gw_src"},
    {"a gateway that cannot reach the host inside its zone",
     "<zone id='w' routing='Full'><zone id='a' routing='Full'><host id='s'/><router id='ga'/></zone>"
     "<cluster id='b' prefix='m' suffix='' radical='1-2' speed='1Gf' bw='1GBps' lat='1ms' router_id='gb'/>"
     "<zoneRoute src='a' dst='b' gw_src='ga' gw_dst='gb'/></zone>",
     "zone \"a\" (line 1) declares no route from \"s\" to \"ga\""},
    {"a route naming nothing",
     "<zone id='w' routing='Full'><host id='s'/><route src='s' dst='nowhere'/></zone>", "no host, router or zone"},
    {"a host declared twice",
     "<zone id='w' routing='Full'><host id='s'/><host id='s'/></zone>", "declared twice"},
    {"config is refused", "<config><prop id='a' value='b'/></config>", "<config>"},
    {"deployment is refused", "<actor host='s' function='f'/>", "deployment"},
    {"unknown routing", "<zone id='w' routing='Fast'/>", "routing=\"Fast\""},
};

TEST(PlatformCheck, Table) {
  PlatformBinding binding;
  binding.groups.push_back({.names = {"s"}, .what = "sender group s"});
  binding.servers.push_back({.names = {"m1"}, .what = "server m1"});
  binding.servers.push_back({.names = {"m2"}, .what = "server m2"});
  for (const auto& c : kCases) {
    SCOPED_TRACE(c.name);
    const std::string text = std::string("<platform version='4.1'>") + c.zones + "</platform>";
    if (*c.error == '\0') {
      EXPECT_NO_THROW(check_platform_text(text, "p.xml", binding, {"s.yaml", 3, 11}, {}));
      continue;
    }
    try {
      check_platform_text(text, "p.xml", binding, {"s.yaml", 3, 11}, {});
      ADD_FAILURE() << "accepted";
    } catch (const util::InputError& e) {
      EXPECT_NE(e.message().find(c.error), std::string::npos) << e.what();
    }
  }
}

TEST(PlatformCheck, XmlErrorsAreLocated) {
  const PlatformBinding none;
  const std::pair<const char*, const char*> cases[] = {
      {"<platform>\n  <zone id='a' routing='Full'>\n</platform>", "p.xml:3:1"},
      {"<platform>\n <host id='a' id='b'/>\n</platform>", "p.xml:2:15"},
      {"<platform>\n <host id='a&bogus;'/></platform>", "p.xml:2:13"},
      {"<platform>\n <host id='a&;'/></platform>", "p.xml:2:13"},
      {"<platform>\n <host id='a&#x;'/></platform>", "p.xml:2:13"},
      {"<platform>\n<![CDATA[x]]></platform>", "p.xml:2:1"},
      {"<platform>text</platform>", "p.xml:1:11"},
      {"", "p.xml:1:1"},
  };
  for (const auto& [text, where] : cases) {
    SCOPED_TRACE(text);
    try {
      check_platform_text(text, "p.xml", none, {"s.yaml", 3, 11}, {});
      ADD_FAILURE() << "accepted";
    } catch (const util::InputError& e) {
      EXPECT_EQ(e.where().str(), where) << e.what();
    }
  }
}

TEST(PlatformCheck, DeepNestingIsRefusedWithoutRecursion) {
  std::string text = "<platform>";
  for (int i = 0; i < 100000; ++i) text += "<zone id='z" + std::to_string(i) + "' routing='Full'>";
  EXPECT_THROW(check_platform_text(text, "p.xml", {}, {"s.yaml", 1, 1}, {}), util::InputError);
}

}  // namespace
}  // namespace mxsim::scenario
