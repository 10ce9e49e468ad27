// Values servers and sender groups write alike: distributions (service
// times, flops of work, message sizes) and the links of the network session model.
#include <fmt/format.h>

#include <array>
#include <cmath>

#include "scenario/sections.hpp"

namespace mxsim::scenario {
namespace {

constexpr double kMaxSigma = 10;  // lognormal: exp(sigma^2) beyond this overflows

}  // namespace

Distribution read_distribution(const Reader& r, const Entry& entry, const std::string& path,
                               const DistributionUnits& units) {
  if (entry.value.IsScalar())
    return Distribution{Distribution::Kind::constant, units.value(r, entry, path), 0.0};
  const Fields map =
      r.fields(entry.value, path, r.at(entry), fmt::format("{} or a map {{dist, mean, sigma}}", units.what),
               {"dist", "mean", "median", "sigma"});
  static constexpr std::array<std::string_view, 3> kDists{"constant", "exponential", "lognormal"};
  const std::string dist =
      r.choice(r.required(map, "dist", "constant, exponential or lognormal"), child(path, "dist"), kDists);
  Distribution out;
  out.kind = dist == "constant"      ? Distribution::Kind::constant
             : dist == "exponential" ? Distribution::Kind::exponential
                                     : Distribution::Kind::lognormal;
  const bool lognormal = out.kind == Distribution::Kind::lognormal;
  const Entry* sigma = map.find("sigma");
  if (lognormal && sigma == nullptr)
    fail(map.where, path, "missing key \"sigma\" (lognormal needs its shape, e.g. sigma: 0.5)");
  if (!lognormal && sigma != nullptr)
    fail(r.at(sigma->key_node), path, "sigma applies only to dist: lognormal");
  if (sigma != nullptr) {
    const auto sigma_path = child(path, "sigma");
    out.sigma = r.number(*sigma, sigma_path, "expected a number >= 0");
    if (out.sigma < 0) r.fail_expected(*sigma, sigma_path, "expected a number >= 0");
    if (out.sigma > kMaxSigma)
      fail(r.at(*sigma), sigma_path, fmt::format("at most {} is supported", kMaxSigma));
  }
  // A lognormal may be given by its median, exp(mu), which people measure
  // more readily than the mean; Distribution keeps the mean either way.
  const Entry* median = map.find("median");
  if (median != nullptr && !lognormal)
    fail(r.at(median->key_node), path, "median applies only to dist: lognormal; write mean");
  if (median != nullptr && map.find("mean") != nullptr)
    fail(r.at(median->key_node), path, "mean and median are both given; keep one of them");
  if (median == nullptr) {
    out.mean = units.value(
        r,
        r.required(map, "mean", lognormal ? fmt::format("{}, or median", units.mean_hint) : units.mean_hint),
        child(path, "mean"));
    return out;
  }
  const auto median_path = child(path, "median");
  const double value = units.value(r, *median, median_path);
  out.mean = value * std::exp(out.sigma * out.sigma / 2);
  if (out.mean > units.max)
    fail(r.at(*median), median_path,
         fmt::format("with sigma {:g} the mean is {:.3g}, too {}", out.sigma, out.mean, units.limit));
  return out;
}

LinkSpec read_link(const Reader& r, const Entry& entry, const std::string& path, const Scenario& scenario) {
  if (scenario.platform)
    fail(r.at(entry.key_node), path,
         "describe links in the platform file: with platform: given, the scenario names no links");
  const Fields map =
      r.fields(entry.value, path, r.at(entry), "a map {bandwidth, latency}", {"bandwidth", "latency"});
  LinkSpec link;
  link.where = r.at(entry);
  link.bandwidth =
      r.quantity(r.required(map, "bandwidth", "bytes or bits per second, e.g. bandwidth: 100Mbps"),
                 child(path, "bandwidth"), kBandwidth);
  if (const Entry* e = map.find("latency")) link.latency = r.duration(*e, child(path, "latency"), false);
  return link;
}

}  // namespace mxsim::scenario
