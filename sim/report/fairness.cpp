// Jain's index, max/mean, and the chi-square test; the chi-square
// distribution is Boost.Math's (header only), not a hand-written series.
#include "report/fairness.hpp"

#include <algorithm>
#include <cmath>

#include <boost/math/distributions/chi_squared.hpp>

namespace mxsim::report {

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

double chi_square_survival(double statistic, double dof) {
  if (!(statistic > 0)) return 1.0;
  return boost::math::cdf(boost::math::complement(boost::math::chi_squared_distribution<double>(dof), statistic));
}

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
  return boost::math::quantile(boost::math::complement(boost::math::chi_squared_distribution<double>(dof), alpha));
}

}  // namespace mxsim::report
