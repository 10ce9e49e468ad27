// The sending host's kernel bounds how long a connect() to a black-holed
// address can wait: it gives up after its last SYN retransmission times out,
// whatever longer timeout the MTA set. A registry of operating systems and
// that limit, and the timeout an MTA really sees.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mxsim::mta {

// The time from the first SYN until Linux gives up: the initial SYN and
// syn_retries retransmissions, each waiting one RTO; the first linear_timeouts
// retransmissions keep the initial RTO, later ones double it, each RTO at most
// TCP_RTO_MAX = 120 s (net/ipv4/tcp_timer.c tcp_retransmit_timer,
// tcp_write_timeout). syn_retries 6, linear_timeouts 0, RTO 1 s (RFC 6298
// TCP_TIMEOUT_INIT): 1+2+4+8+16+32+64 = 127 s.
double linux_syn_give_up(int syn_retries, int linear_timeouts = 0, double initial_rto = 1);

// The connect limit of a named OS, in seconds; throws std::invalid_argument
// listing the known names. "none" is no limit (infinity).
double kernel_connect_limit(std::string_view os);
const std::vector<std::string>& kernel_names();

// What a black-holed connect() costs an MTA whose own timeout is mta_timeout,
// on a kernel that gives up after kernel_limit (<= 0 or infinity: no limit):
// the shorter of the two. The Exim spec says of connect_timeout that it "must
// be less than the system timeout" to take effect.
double effective_connect_timeout(double mta_timeout, double kernel_limit);

}  // namespace mxsim::mta
