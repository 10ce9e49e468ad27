// Receiving-side presets, each value with its source. A preset describes a
// stock installation; every value can be overridden by the server's own
// `sessions`, `backlog` or `overflow`.
#include "scenario/server_software.hpp"

namespace mxsim::scenario {
namespace {

constexpr ServerSoftware kSoftware[] = {
    // Postfix smtpd(8) behind master(8). sessions: master.cf's smtp line
    // has maxproc "-", i.e. default_process_limit = 100 (mail_params.h
    // DEF_PROC_LIMIT). backlog: master_listen.c passes max(maxproc,
    // default_process_limit) = 100 to inet_listen() as the listen backlog:
    // excess connections wait there for a free smtpd. overflow: a full
    // accept queue makes Linux drop the SYN (net.ipv4.tcp_abort_on_overflow
    // = 0, Documentation/networking/ip-sysctl.rst), so the client hears nothing.
    {.name = "postfix", .sessions = 100, .backlog = 100, .overflow = Overflow::drop},
    // Postfix with postscreen(8) on port 25: the same 100 smtpd processes;
    // postscreen_post_queue_limit = $default_process_limit (100) clients may
    // wait for one, beyond that postscreen.c answers "421 4.3.2 All server
    // ports are busy".
    {.name = "postfix-postscreen", .sessions = 100, .backlog = 100, .overflow = Overflow::tempfail},
    // Exim: smtp_accept_max = 20 (globals.c). The daemon accepts every
    // connection and itself answers "421 Too many concurrent SMTP
    // connections; please try again later." beyond the limit (daemon.c,
    // handle_smtp_call), so nothing waits.
    {.name = "exim", .sessions = 20, .backlog = 0, .overflow = Overflow::tempfail},
    // Sendmail 8: MaxDaemonChildren is unset in the stock configuration
    // (cf/m4/proto.m4 writes it commented out) and refuseconnections() only
    // limits when MaxChildren > 0: no limit, written as the loader's maximum.
    // When a configured limit is reached, getrequests() closes the listening
    // socket "so peer fails quickly" (for 15 s): further connects are reset,
    // and nothing waits.
    {.name = "sendmail", .sessions = 1'000'000, .backlog = 0, .overflow = Overflow::refuse},
    // OpenSMTPD on OpenBSD. sessions: smtp.c caps clients at (free file
    // descriptors) / 2 - SMTP_FD_RESERVE (5); config.c raises the descriptor
    // limit to the hard one, openfiles-max = 1024 for the daemon class
    // (etc/login.conf): about 500. backlog: at the cap smtp_pause() stops
    // accepting and connections wait in the listen queue, SMTPD_BACKLOG = 5
    // (smtpd.h). overflow: OpenBSD's syn_cache_get() answers a connection
    // that sonewconn() cannot queue with a reset (sys/netinet/tcp_input.c).
    {.name = "opensmtpd", .sessions = 500, .backlog = 5, .overflow = Overflow::refuse},
};

}  // namespace

const std::vector<std::string>& server_software_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& s : kSoftware) out.emplace_back(s.name);
    return out;
  }();
  return names;
}

const ServerSoftware* server_software(std::string_view name) {
  for (const auto& s : kSoftware)
    if (name == s.name) return &s;
  return nullptr;
}

void apply_software(ServerSpec& spec, const ServerSoftware& software) {
  spec.sessions = software.sessions;
  spec.backlog = software.backlog;
  spec.overflow = software.overflow;
}

}  // namespace mxsim::scenario
