// Microbenchmarks of the selection policies: time per pick over MX sets of
// 1 to 64 records in one or several preference levels, with Envoy's
// load-balancer benchmark counters beside the time: allocations per pick,
// and the relative standard deviation of hits per host of the best level
// over --selection_hits picks (default 10^6).
//
// A pick is what the model does per delivery attempt: order the set, start
// an attempt at the first address, and end the oldest of the last 8 started
// (so that in-flight counts, EWMAs and breakers move as they would).
#include <benchmark/benchmark.h>

#include <array>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <vector>

#include "selection/policy.hpp"

// Counting allocations: the global operator new of this program.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
namespace {
std::atomic<long> allocations{0};
}  // namespace

void* operator new(std::size_t size) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace {

using namespace mxsim;

long hit_picks = 1000000;

// `records` single-address hosts; record i at preference 10 * (1 + i % levels).
std::vector<dns::Target> mx_set(int records, int levels) {
  std::vector<dns::Target> targets;
  for (int i = 0; i < records; ++i)
    targets.push_back({static_cast<std::uint16_t>(10 * (1 + i % levels)), static_cast<dns::NameId>(i),
                       static_cast<dns::AddressId>(i)});
  return targets;
}

// The model's use of a policy, one pick at a time.
class Driver {
 public:
  Driver(const std::string& name, std::vector<dns::Target> targets)
      : targets_(std::move(targets)), rng_(1) {
    selection::PolicyContext context;
    context.servers = static_cast<std::uint32_t>(targets_.size());
    context.seed = 42;
    context.weights = std::make_shared<const std::vector<double>>(targets_.size(), 1.0);
    policy_ = selection::make_policy(name, context);
    order_.reserve(targets_.size());
    ring_.fill(kNone);
  }

  std::uint32_t pick() {
    policy_->order(targets_, now_, rng_, 0, order_);
    const auto server = targets_[order_[0]].address;
    policy_->on_attempt_start(server, now_);
    auto& oldest = ring_[next_ % ring_.size()];
    if (oldest != kNone) {
      // Latencies differ by host (50 to 350 ms); one attempt in 16 times out.
      const bool failed = (next_ & 15) == 0;
      policy_->on_attempt_end(oldest, now_, failed ? selection::Result::timeout : selection::Result::success,
                              failed ? 30.0 : 0.05 * (1 + oldest % 7));
    }
    oldest = server;
    ++next_;
    now_ += 0.01;
    return order_[0];
  }

 private:
  static constexpr std::uint32_t kNone = ~0u;
  std::vector<dns::Target> targets_;
  util::Rng rng_;
  std::unique_ptr<selection::Policy> policy_;
  std::vector<std::uint32_t> order_;
  std::array<std::uint32_t, 8> ring_;
  std::uint64_t next_ = 0;
  double now_ = 0;
};

// stddev / mean of the first picks over the hosts of the best level.
double relative_stddev_hits(const std::string& name, int records, int levels) {
  const auto targets = mx_set(records, levels);
  Driver driver(name, targets);
  std::vector<double> hits(targets.size(), 0);
  for (long i = 0; i < hit_picks; ++i) hits[driver.pick()] += 1;
  double sum = 0, squares = 0, n = 0;
  for (std::size_t i = 0; i < targets.size(); ++i) {
    if (targets[i].preference != targets[0].preference) continue;
    sum += hits[i];
    squares += hits[i] * hits[i];
    n += 1;
  }
  const double mean = sum / n;
  return mean > 0 ? std::sqrt(std::max(squares / n - mean * mean, 0.0)) / mean : 0;
}

void BM_Pick(benchmark::State& state, const std::string& name) {
  const auto records = static_cast<int>(state.range(0));
  const auto levels = static_cast<int>(state.range(1));
  Driver driver(name, mx_set(records, levels));
  for (int i = 0; i < 100; ++i) driver.pick();  // warm up: state tables and scratch grow here
  const long before = allocations.load();
  for (auto _ : state) benchmark::DoNotOptimize(driver.pick());
  const long after = allocations.load();
  state.SetItemsProcessed(state.iterations());
  state.counters["allocs_per_pick"] =
      benchmark::Counter(static_cast<double>(after - before), benchmark::Counter::kAvgIterations);
  state.counters["relative_stddev_hits"] = relative_stddev_hits(name, records, levels);
}

void register_all() {
  auto names = selection::policy_names();
  names.push_back("health-aware:least-connections");
  names.push_back("health-aware:peak-ewma");
  for (const auto& name : names) {
    benchmark::RegisterBenchmark(("BM_Pick/" + name).c_str(), BM_Pick, name)
        ->ArgNames({"records", "levels"})
        ->Args({1, 1})
        ->Args({2, 1})
        ->Args({2, 2})
        ->Args({5, 1})
        ->Args({5, 3})
        ->Args({16, 1})
        ->Args({16, 4})
        ->Args({64, 1})
        ->Args({64, 4});
  }
}

}  // namespace

int main(int argc, char** argv) {
  // Our own flag, removed before Google Benchmark sees the rest.
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    constexpr const char* kFlag = "--selection_hits=";
    if (std::strncmp(argv[i], kFlag, std::strlen(kFlag)) == 0) {
      hit_picks = static_cast<long>(std::atof(argv[i] + std::strlen(kFlag)));
    } else {
      argv[kept++] = argv[i];
    }
  }
  argc = kept;
  register_all();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
