// Kernel SYN give-up times, each with its source. Linux counts SYN
// retransmissions; the BSDs run one connection-establishment timer.
#include "mta/kernel.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include <fmt/format.h>

namespace mxsim::mta {
namespace {

constexpr double kLinuxRtoMax = 120;  // include/net/tcp.h TCP_RTO_MAX

struct KernelLimit {
  const char* name;
  double seconds;
};

const std::vector<KernelLimit>& registry() {
  static const std::vector<KernelLimit> limits{
      // Documentation/networking/ip-sysctl.rst, tcp_syn_retries (kernels before
      // 6.5): "Default value is 6 ... the final timeout for an active TCP
      // connection attempt will happen after 127seconds."
      {"linux", linux_syn_give_up(6)},
      // Linux 6.5 added tcp_syn_linear_timeouts, default 4 (RTOs 1,1,1,1,1,2,4,...);
      // ip-sysctl.rst since: "the final timeout ... will happen after 131seconds".
      {"linux-6.5", linux_syn_give_up(6, 4)},
      // netinet/tcp_timer.h: TCPTV_KEEP_INIT 75 s, the connection-establishment
      // timer (OpenBSD; FreeBSD's sysctl net.inet.tcp.keepinit defaults to it).
      {"openbsd", 75},
      {"freebsd", 75},
      {"none", std::numeric_limits<double>::infinity()},
  };
  return limits;
}

}  // namespace

double linux_syn_give_up(int syn_retries, int linear_timeouts, double initial_rto) {
  // The SYN and each retransmission wait one RTO; the connection fails when
  // the RTO after the last allowed retransmission expires
  // (tcp_write_timeout: icsk_retransmits >= syn_retries + linear_timeouts).
  double total = 0;
  double rto = initial_rto;
  for (int sent = 0; sent <= syn_retries + linear_timeouts; ++sent) {
    total += rto;
    if (sent >= linear_timeouts) rto = std::min(rto * 2, kLinuxRtoMax);
  }
  return total;
}

const std::vector<std::string>& kernel_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& k : registry()) out.emplace_back(k.name);
    return out;
  }();
  return names;
}

double kernel_connect_limit(std::string_view os) {
  for (const auto& k : registry())
    if (os == k.name) return k.seconds;
  std::string known;
  for (const auto& n : kernel_names()) known += (known.empty() ? "" : ", ") + n;
  throw std::invalid_argument(fmt::format("unknown operating system \"{}\"; known: {}", os, known));
}

double effective_connect_timeout(double mta_timeout, double kernel_limit) {
  if (!(kernel_limit > 0)) return mta_timeout;
  return std::min(mta_timeout, kernel_limit);
}

}  // namespace mxsim::mta
