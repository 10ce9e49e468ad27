// The kernel's SYN give-up time bounds an MTA's connect timeout: Linux's
// exponential SYN backoff (and its linear start since 6.5), the BSDs' 75 s
// connection-establishment timer, and the shorter of the two limits.
#include <gtest/gtest.h>

#include <limits>
#include <stdexcept>
#include <string>

#include "mta/kernel.hpp"

namespace mxsim::mta {
namespace {

struct SynCase {
  int retries, linear;
  double expected;
};

TEST(Kernel, LinuxSynGiveUp) {
  const SynCase cases[] = {
      {6, 0, 1 + 2 + 4 + 8 + 16 + 32 + 64},              // 127 s (ip-sysctl: tcp_syn_retries)
      {5, 0, 1 + 2 + 4 + 8 + 16 + 32},                   // 63 s
      {6, 4, 1 + 1 + 1 + 1 + 1 + 2 + 4 + 8 + 16 + 32 + 64},  // 131 s (Linux 6.5, tcp_syn_linear_timeouts 4)
      {1, 0, 1 + 2},
      {0, 0, 1},                                         // the SYN alone
      {8, 0, 1 + 2 + 4 + 8 + 16 + 32 + 64 + 120 + 120},  // each RTO at most TCP_RTO_MAX = 120 s
  };
  for (const auto& c : cases)
    EXPECT_EQ(linux_syn_give_up(c.retries, c.linear), c.expected) << c.retries << "," << c.linear;
  // Before 2.6.39: initial RTO 3 s and 5 retries, the classic 189 s.
  EXPECT_EQ(linux_syn_give_up(5, 0, 3), 3 + 6 + 12 + 24 + 48 + 96);
}

TEST(Kernel, NamedLimits) {
  EXPECT_EQ(kernel_connect_limit("linux"), 127);
  EXPECT_EQ(kernel_connect_limit("linux-6.5"), 131);
  EXPECT_EQ(kernel_connect_limit("openbsd"), 75);
  EXPECT_EQ(kernel_connect_limit("freebsd"), 75);
  EXPECT_EQ(kernel_connect_limit("none"), std::numeric_limits<double>::infinity());
  EXPECT_EQ(kernel_names().size(), 5u);
  try {
    kernel_connect_limit("plan9");
    FAIL() << "an unknown OS must throw";
  } catch (const std::invalid_argument& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("plan9"), std::string::npos);
    EXPECT_NE(what.find("openbsd"), std::string::npos);
  }
}

struct TimeoutCase {
  double mta, kernel, expected;
};

TEST(Kernel, EffectiveConnectTimeout) {
  const TimeoutCase cases[] = {
      {300, 127, 127},  // Exim's 5 min on Linux
      {300, 75, 75},    // OpenSMTPD's 300 s on OpenBSD
      {30, 127, 30},    // Postfix's 30 s is shorter than any kernel's
      {300, std::numeric_limits<double>::infinity(), 300},
      {300, 0, 300},    // 0: no kernel limit given
      {90, 90, 90},     // an explicit number
  };
  for (const auto& c : cases) EXPECT_EQ(effective_connect_timeout(c.mta, c.kernel), c.expected) << c.mta << " " << c.kernel;
}

}  // namespace
}  // namespace mxsim::mta
