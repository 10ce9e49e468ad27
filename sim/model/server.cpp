// How a server answers: connection outcomes and the time each costs the
// client, greylisting, and the processing of a session.
#include "model/server.hpp"

#include <cmath>

namespace mxsim::model {

Answer Server::answer(const Caller& caller, double now) {
  const auto& profile = *caller.profile;
  const double rtt = caller.rtt;
  auto fail = [now](double after, Outcome outcome) {
    return Answer{.kind = Answer::Kind::fail, .outcome = outcome, .at = now + after};
  };
  if (!up) return fail(profile.connect_timeout, Outcome::timeout);              // no answer to SYN
  if (!caller.route_up) return fail(profile.connect_timeout, Outcome::timeout); // a link on the way is down
  if (refusing > 0) return fail(rtt, Outcome::refused);                         // RST to the SYN
  if (tempfailing > 0) return fail(2 * rtt, Outcome::tempfail);                 // 421 greeting
  if (session_free()) {
    // A 5xx greeting comes before any command: greylisting never sees the
    // attempt, and it counts as no session (Postfix's smtp_connect.c does not
    // count it towards smtp_mx_session_limit).
    if (spec.reject_fraction > 0 && spec.reject_at == scenario::ServerSpec::RejectAt::greeting &&
        rng.uniform() < spec.reject_fraction)
      return fail(2 * rtt, Outcome::rejected);
    return transaction(caller, (profile.round_trips - 1) * rtt, now);  // past EHLO
  }
  if (backlog_live < spec.backlog)  // the greeting waits for a session
    return Answer{.kind = Answer::Kind::backlog, .at = now + rtt + profile.command_timeout};
  switch (spec.overflow) {
    case scenario::Overflow::tempfail: return fail(2 * rtt, Outcome::busy_tempfail);  // 421 greeting
    case scenario::Overflow::refuse: return fail(rtt, Outcome::refused);               // RST
    case scenario::Overflow::drop: break;
  }
  return fail(profile.connect_timeout, Outcome::timeout);  // overflow drop: the SYN is ignored
}

Answer Server::transaction(const Caller& caller, double rcpt, double now) {
  // Past the greeting and EHLO: greylisting answers the RCPT, a reject at
  // rcpt the MAIL, RCPT or DATA; both count as a session used.
  auto refuse_session = [now, rcpt](Outcome outcome) {
    return Answer{.kind = Answer::Kind::fail, .outcome = outcome, .at = now + rcpt, .used_session = true};
  };
  if (spec.greylist && greylisted(caller, now)) return refuse_session(Outcome::greylisted);
  if (spec.reject_fraction > 0 && spec.reject_at == scenario::ServerSpec::RejectAt::rcpt &&
      rng.uniform() < spec.reject_fraction)
    return refuse_session(Outcome::rejected);
  return Answer{.kind = Answer::Kind::session};
}

// True when greylisting answers 450 to this attempt: postgrey's
// smtpd_access_policy (postgrey 1.37). A record is (first, last seen); a
// triplet has passed once last - first >= delay, and a passed triplet stays
// passed while it keeps coming. One that has not passed starts over when
// retried more than the retry window after its first attempt. Records not
// seen for max-age are forgotten (postgrey's nightly cleanup, here at once).
bool Server::greylisted(const Caller& caller, double now) {
  const auto& rule = *spec.greylist;
  const bool per_message = rule.key == scenario::ServerSpec::Greylist::Key::message;
  const std::uint64_t key = per_message ? (std::uint64_t{1} << 63) | caller.message
                                        : (static_cast<std::uint64_t>(caller.mta) << 32) | caller.domain;
  auto [it, fresh] = greylist.try_emplace(key, GreylistEntry{.first = now, .last = now});
  auto& entry = it->second;
  if (!fresh) {
    const bool passed = entry.last - entry.first >= rule.delay;
    if (now - entry.last > rule.max_age || (!passed && now - entry.first > rule.window)) entry.first = now;
    entry.last = now;
  }
  if (now - entry.first < rule.delay) return true;
  // A message's triplet serves no other message: dropped once it passed, so
  // that memory stays bounded by the messages in flight.
  if (per_message) greylist.erase(it);
  return false;
}

double draw(const scenario::Distribution& d, util::Rng& rng) {
  switch (d.kind) {
    case scenario::Distribution::Kind::constant: return d.mean;
    case scenario::Distribution::Kind::exponential: return rng.exponential(d.mean);
    case scenario::Distribution::Kind::lognormal: {
      const double mu = std::log(d.mean) - d.sigma * d.sigma / 2;
      return std::exp(mu + d.sigma * rng.normal());
    }
  }
  return d.mean;
}

double Server::draw_processing() {
  if (!spec.work) return draw(spec.service, rng) * slow_factor;
  return draw(*spec.work, rng) * slow_factor;
}

void Server::apply_fault(scenario::Fault fault, int delta, double factor) {
  switch (fault) {
    case scenario::Fault::refuse: refusing += delta; break;
    case scenario::Fault::tempfail: tempfailing += delta; break;
    case scenario::Fault::slow:
      slowing += delta;
      slow_factor = slowing > 0 ? factor : 1.0;
      break;
    default: break;
  }
}

}  // namespace mxsim::model
