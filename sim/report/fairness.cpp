// Jain's index, max/mean, and the chi-square test, with the regularized
// incomplete gamma function by series and continued fraction (the classic
// Numerical Recipes split at x = a + 1).
#include "report/fairness.hpp"

#include <algorithm>
#include <cmath>

namespace mxsim::report {
namespace {

double gamma_p_series(double a, double x) {
  double term = 1.0 / a;
  double sum = term;
  for (int n = 1; n < 1000; ++n) {
    term *= x / (a + n);
    sum += term;
    if (std::fabs(term) < std::fabs(sum) * 1e-15) break;
  }
  return sum * std::exp(-x + a * std::log(x) - std::lgamma(a));
}

double gamma_q_fraction(double a, double x) {
  constexpr double kTiny = 1e-300;
  double b = x + 1.0 - a;
  double c = 1.0 / kTiny;
  double d = 1.0 / b;
  double h = d;
  for (int i = 1; i < 1000; ++i) {
    const double an = -i * (i - a);
    b += 2.0;
    d = an * d + b;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = b + an / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1.0 / d;
    const double delta = d * c;
    h *= delta;
    if (std::fabs(delta - 1.0) < 1e-15) break;
  }
  return std::exp(-x + a * std::log(x) - std::lgamma(a)) * h;
}

// Q(a, x) = 1 - P(a, x): the regularized upper incomplete gamma function.
double gamma_q(double a, double x) {
  if (x <= 0) return 1.0;
  if (x < a + 1.0) return 1.0 - gamma_p_series(a, x);
  return gamma_q_fraction(a, x);
}

}  // namespace

double jain_index(std::span<const double> loads) {
  double sum = 0, squares = 0;
  for (double x : loads) {
    sum += x;
    squares += x * x;
  }
  if (loads.empty() || squares == 0) return 1.0;
  return sum * sum / (static_cast<double>(loads.size()) * squares);
}

double max_over_mean(std::span<const double> loads) {
  if (loads.empty()) return 1.0;
  double sum = 0, top = 0;
  for (double x : loads) {
    sum += x;
    top = std::max(top, x);
  }
  if (sum == 0) return 1.0;
  return top / (sum / static_cast<double>(loads.size()));
}

double chi_square_survival(double statistic, double dof) { return gamma_q(dof / 2.0, statistic / 2.0); }

double chi_square_p(std::span<const double> counts) {
  if (counts.size() < 2) return 1.0;
  double total = 0;
  for (double c : counts) total += c;
  if (total <= 0) return 1.0;
  const double expected = total / static_cast<double>(counts.size());
  double statistic = 0;
  for (double c : counts) statistic += (c - expected) * (c - expected) / expected;
  return chi_square_survival(statistic, static_cast<double>(counts.size() - 1));
}

double chi_square_quantile(double alpha, double dof) {
  double lo = 0, hi = std::max(10.0, dof * 10.0);
  while (chi_square_survival(hi, dof) > alpha) hi *= 2;
  for (int i = 0; i < 200; ++i) {
    const double mid = (lo + hi) / 2;
    (chi_square_survival(mid, dof) > alpha ? lo : hi) = mid;
  }
  return (lo + hi) / 2;
}

}  // namespace mxsim::report
