// libFuzzer target: platform files with the scenario keys that use them
// (engine: network, platform:, servers and sender groups mapped onto hosts,
// link targets). An input is a platform file, read with a fixed scenario of
// two MX hosts, a relay and two sender groups; or "SCENARIO\n%%\nPLATFORM"
// to fuzz both. Either must load or throw util::InputError: SimGrid never
// sees a platform the loader let through with a missing or one-way route.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>

#include "scenario/scenario.hpp"

namespace {

constexpr std::string_view kScenario = R"(duration: 10m
zone: |
  $ORIGIN example.com.
  @          IN MX 10 mailhost1
  @          IN MX 20 mailhost2
  mailhost1  IN A    192.0.2.10
  mailhost2  IN A    198.51.100.20
engine: {sessions: network}
platform: p.xml
servers:
  mailhost2.example.com: {role: relay, relay_profile: postfix}
senders:
  - {name: isp, rate: 2/s, to: example.com, size: 10KB}
  - {name: isp2, rate: 1/s, to: example.com, size: 10KB}
events:
  - {at: 1m, for: 1m, fault: down, target: backbone}
)";

// A private directory for the platform file (the loader reads it from disk).
const std::string& directory() {
  static const std::string path = [] {
    std::string pattern = "/tmp/mxsim-fuzz-platform-XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) std::abort();
    return pattern;
  }();
  return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto split = input.find("\n%%\n");
  const std::string scenario(split == std::string_view::npos ? kScenario : input.substr(0, split));
  const std::string_view platform = split == std::string_view::npos ? input : input.substr(split + 4);
  {
    std::ofstream out(directory() + "/p.xml", std::ios::binary | std::ios::trunc);
    out.write(platform.data(), static_cast<std::streamsize>(platform.size()));
  }
  mxsim::scenario::Limits limits;
  limits.file_size = 1 << 20;
  limits.platform_hosts = 10'000;  // keeps each input fast
  try {
    const auto s = mxsim::scenario::load_text(scenario, directory() + "/s.yaml", limits);
    (void)mxsim::scenario::build_zone(s);
  } catch (const mxsim::util::InputError&) {
  }
  return 0;
}
