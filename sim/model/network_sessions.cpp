// Network sessions: the round trips before DATA as a timer, then the
// transfer over the route, then the work on the server's cores (started by
// the engine at the transfer's end), then the 250 coming back half a round
// trip later.
#include "model/sessions.hpp"

namespace mxsim::model {

SessionStep NetworkSessions::start(Session&, const SessionRequest& r, double now) {
  // Every round trip but the last comes before the DATA transfer; the
  // transfer itself carries the message one way, the 250 comes back.
  return {.kind = SessionStep::Kind::data, .at = now + r.rtt * (r.round_trips - 1)};
}

SessionStep NetworkSessions::data(Session& session, const SessionRequest& r, double) {
  // With `work`, the server's work follows the transfer in the engine, and
  // the one end reported is the work's.
  session.computing = r.work;
  const bool started = r.work ? resources_.transfer_then_compute(r.ticket, r.group, r.server, r.bytes, session.processing)
                              : resources_.transfer(r.ticket, r.group, r.server, r.bytes);
  if (!started) return {.kind = SessionStep::Kind::failed};
  return {.kind = SessionStep::Kind::wait};
}

SessionStep NetworkSessions::activity_end(Session& session, const SessionRequest& r, bool ok, double now) {
  if (!ok) return {.kind = SessionStep::Kind::failed};
  const double back = r.rtt / 2;  // the 250 after the data
  if (session.computing) return {.kind = SessionStep::Kind::done, .at = now + back};
  return {.kind = SessionStep::Kind::done, .at = now + session.processing + back};
}

}  // namespace mxsim::model
