// Logarithmic bucketing: bucket b >= 1 holds [kSmallest*r^(b-1), kSmallest*r^b).
#include "report/histogram.hpp"

#include <algorithm>
#include <cmath>

namespace mxsim::report {
namespace {
const double kLogRatio = std::log(Histogram::kRatio);
}

int Histogram::bucket_of(double value) {
  if (!(value >= kSmallest)) return 0;
  const int b = 1 + static_cast<int>(std::floor(std::log(value / kSmallest) / kLogRatio));
  return std::min(b, kBuckets);
}

double Histogram::midpoint(int bucket) {
  return kSmallest * std::exp((static_cast<double>(bucket) - 0.5) * kLogRatio);
}

void Histogram::add(Sample s) {
  const double value = s.value;
  if (count_ == 0) {
    min_ = max_ = value;
  } else {
    min_ = std::min(min_, value);
    max_ = std::max(max_, value);
  }
  ++count_;
  sum_ += value;
  ++buckets_[static_cast<std::size_t>(s.bucket)];
}

void Histogram::merge(const Histogram& other) {
  if (other.count_ == 0) return;
  if (count_ == 0) {
    min_ = other.min_;
    max_ = other.max_;
  } else {
    min_ = std::min(min_, other.min_);
    max_ = std::max(max_, other.max_);
  }
  count_ += other.count_;
  sum_ += other.sum_;
  for (std::size_t i = 0; i < buckets_.size(); ++i) buckets_[i] += other.buckets_[i];
}

double Histogram::percentile(double p) const {
  if (count_ == 0) return 0.0;
  const auto rank = static_cast<std::uint64_t>(
      std::max(1.0, std::ceil(p / 100.0 * static_cast<double>(count_) - 1e-9)));
  std::uint64_t seen = 0;
  for (std::size_t b = 0; b < buckets_.size(); ++b) {
    seen += buckets_[b];
    if (seen >= rank) {
      if (b == 0) return min_;
      return std::clamp(midpoint(static_cast<int>(b)), min_, max_);
    }
  }
  return max_;
}

}  // namespace mxsim::report
