// Grid arithmetic for per-MTA timer phases: the quotient (t - phase) / period
// only guesses the tick index; the guess is then checked against the ticks as
// they are computed, so a time on a tick never moves to the next one.
#include "mta/phase.hpp"

#include <cmath>

namespace mxsim::mta {
namespace {

double tick(double phase, double k, double period) { return phase + k * period; }

}  // namespace

double draw_phase(double period, util::Rng& rng) {
  const double u = rng.uniform();
  if (!(period > 0)) return 0;
  // u < 1, and u * period rounds below period for any period (u <= 1 - 2^-53);
  // the guard keeps the half-open interval even so.
  const double phase = u * period;
  return phase < period ? phase : 0;
}

double normalize_phase(double phase, double period) {
  if (!(period > 0)) return 0;
  double p = std::fmod(phase, period);
  if (p < 0) p += period;
  return p < period ? p : 0;
}

double tick_at_or_after(double t, double phase, double period) {
  if (!(period > 0)) return t;
  double k = std::ceil((t - phase) / period);
  // The smallest k whose tick, as computed, is at or after t.
  while (tick(phase, k - 1, period) >= t) k -= 1;
  while (tick(phase, k, period) < t) k += 1;
  return tick(phase, k, period);
}

double tick_after(double t, double phase, double period) {
  if (!(period > 0)) return t;
  double k = std::floor((t - phase) / period) + 1;
  // The smallest k whose tick, as computed, is strictly after t.
  while (tick(phase, k - 1, period) > t) k -= 1;
  while (tick(phase, k, period) <= t) k += 1;
  return tick(phase, k, period);
}

}  // namespace mxsim::mta
