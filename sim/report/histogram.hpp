// A streaming histogram of positive values (latencies in seconds) with
// logarithmic buckets: percentiles within 1% relative error in fixed memory,
// however many values are added.
#pragma once

#include <array>
#include <cstdint>

namespace mxsim::report {

class Histogram {
 public:
  // Buckets grow by kRatio: a value is reported as its bucket's geometric
  // midpoint, at most sqrt(kRatio) - 1 = 0.995% away from the true value.
  static constexpr double kRatio = 1.02;
  static constexpr double kSmallest = 1e-6;  // values below are counted as 0
  static constexpr int kBuckets = 1800;      // covers up to about 3.3e9 s

  void add(double value) { add(sample(value)); }
  // A value with its bucket found: the bucket costs a logarithm, so a value
  // that goes into several histograms is bucketed once.
  struct Sample {
    double value;
    int bucket;
  };
  static Sample sample(double value) { return {value, bucket_of(value)}; }
  void add(Sample s);
  void merge(const Histogram& other);

  std::uint64_t count() const { return count_; }
  double mean() const { return count_ ? sum_ / static_cast<double>(count_) : 0.0; }
  double min() const { return count_ ? min_ : 0.0; }
  double max() const { return count_ ? max_ : 0.0; }
  // Nearest-rank percentile, p in (0, 100]; 0 when empty.
  double percentile(double p) const;

 private:
  static int bucket_of(double value);
  static double midpoint(int bucket);

  std::array<std::uint64_t, kBuckets + 1> buckets_{};  // [0]: below kSmallest
  std::uint64_t count_ = 0;
  double sum_ = 0;
  double min_ = 0;
  double max_ = 0;
};

}  // namespace mxsim::report
