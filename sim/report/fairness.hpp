// How evenly load spreads over hosts that should share it equally.
#pragma once

#include <cstdint>
#include <span>

namespace mxsim::report {

// Jain's index (sum x)^2 / (n sum x^2): 1 for equal shares, 1/n for one host
// taking everything. 1 when there is nothing to share.
double jain_index(std::span<const double> loads);

// max / mean; 1 for equal shares or no load.
double max_over_mean(std::span<const double> loads);

// p-value of Pearson's chi-square test of the counts against equal shares
// (k - 1 degrees of freedom); 1 with fewer than two hosts or no counts.
double chi_square_p(std::span<const double> counts);

// Upper tail of the chi-square distribution with `dof` degrees of freedom.
double chi_square_survival(double statistic, double dof);

// The chi-square value whose upper tail is `alpha`.
double chi_square_quantile(double alpha, double dof);

}  // namespace mxsim::report
