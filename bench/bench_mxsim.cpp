// Benchmarks: the cost of ordering an MX set, and whole runs (messages
// simulated per second, peak RSS) on SimGrid and on the bare model. Each
// whole run happens in a forked child: SimGrid allows one engine per process,
// and the child's peak RSS is then the run's alone.
#include <benchmark/benchmark.h>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "dns/zone.hpp"
#include "engine/engine.hpp"
#include "model/world.hpp"
#include "report/recorder.hpp"
#include "scenario/scenario.hpp"
#include "selection/steps.hpp"

namespace {

using namespace mxsim;

// The bare ordering steps of the rfc5321 and postfix profiles' policies.
using OrderFn = void (*)(std::span<const dns::Target>, util::Rng&, std::uint32_t, std::vector<std::uint32_t>&);

void BM_OrderTargets(benchmark::State& state, OrderFn order_targets) {
  const auto records = static_cast<int>(state.range(0));
  const auto levels = static_cast<int>(state.range(1));
  std::vector<dns::Target> targets;
  for (int i = 0; i < records; ++i)
    targets.push_back({static_cast<std::uint16_t>(10 * (1 + i % levels)), static_cast<dns::NameId>(i),
                       static_cast<dns::AddressId>(i)});
  util::Rng rng(1);
  std::vector<std::uint32_t> order;
  order.reserve(targets.size());
  for (auto _ : state) {
    order_targets(targets, rng, 0, order);
    benchmark::DoNotOptimize(order.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK_CAPTURE(BM_OrderTargets, rfc5321, selection::order_rfc5321_shuffle)
    ->Args({1, 1})->Args({2, 1})->Args({5, 1})->Args({5, 3})->Args({16, 4})->Args({64, 4});
BENCHMARK_CAPTURE(BM_OrderTargets, postfix, selection::order_postfix_shuffle)
    ->Args({1, 1})->Args({2, 1})->Args({5, 1})->Args({5, 3})->Args({16, 4})->Args({64, 4});

// Zone loading with N names on one address (a shared host's aliases): each
// owner is kept once, found by hash. The complexity fit says o(N); a scan of
// the owner list made it o(N^2) (2 * 10^5 names took 16 s).
void BM_ZoneOneAddress(benchmark::State& state) {
  const auto names = state.range(0);
  std::string text = "$ORIGIN big.test.\n";
  for (std::int64_t i = 0; i < names; ++i) text += fmt::format("h{} IN A 192.0.2.1\n", i);
  for (auto _ : state) {
    const auto db = dns::ZoneDb::parse(text, {.file = "bench.zone", .line = 1, .column = 1});
    benchmark::DoNotOptimize(db.owners(0).data());
  }
  state.SetComplexityN(names);
  state.counters["names_per_s"] =
      benchmark::Counter(static_cast<double>(names), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_ZoneOneAddress)->RangeMultiplier(4)->Range(1 << 10, 1 << 16)->Complexity()->Unit(benchmark::kMillisecond);

struct RunFigures {
  double wall_s = 0;
  double messages = 0;
  double peak_rss_mb = 0;
  int ok = 0;
  double waiting = 0;        // BM_Backlog: messages waiting at the end
  double rss_before_mb = 0;  // BM_Backlog: resident before the world was built
};

// The process's resident memory now (VmRSS), in MB.
double resident_mb() {
  std::ifstream status("/proc/self/status");
  std::string key;
  while (status >> key) {
    if (key == "VmRSS:") {
      double kb = 0;
      status >> kb;
      return kb / 1024.0;
    }
    status.ignore(1 << 12, '\n');
  }
  return 0;
}

scenario::Scenario bench_scenario(double messages, const char* file = MXSIM_BENCH_DIR "/engine-bench.yaml") {
  auto s = scenario::load_file(file);
  double rate = 0;
  for (const auto& g : s.senders) rate += g.rate;
  s.duration = messages / rate;
  return s;
}

// Runs `s` on the bare model (no SimGrid), with the statistics observer a
// run feeds, into `f`: its wall time and messages; `ok` judges the world at
// the end.
template <typename Ok>
void run_bare(const scenario::Scenario& s, RunFigures& f, Ok ok) {
  model::RoundTripSessions sessions;
  const auto start = std::chrono::steady_clock::now();
  model::World world(s, {.seed = s.seed}, sessions);
  report::Recorder recorder(world, {});
  world.observe(recorder);
  model::run_standalone(world);
  f.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  f.messages = static_cast<double>(world.submitted());
  f.ok = ok(world) ? 1 : 0;
}

RunFigures run_model_only(double messages) {
  RunFigures f;
  run_bare(bench_scenario(messages), f, [](const model::World& world) { return world.conserved(); });
  return f;
}

// An all-down day (bench/backlog-bench.yaml): every message waits for a
// retry when the horizon stops the run, so the memory the run took, over
// the messages waiting, is what one waiting message costs.
RunFigures run_backlog(double messages) {
  auto s = bench_scenario(messages, MXSIM_BENCH_DIR "/backlog-bench.yaml");
  s.horizon = s.duration;
  RunFigures f;
  f.rss_before_mb = resident_mb();
  run_bare(s, f, [&f](const model::World& world) {
    f.waiting = static_cast<double>(world.in_flight());
    return world.conserved() && world.delivered() == 0;
  });
  return f;
}

RunFigures run_engine_on(const scenario::Scenario& s) {
  engine::Options options;
  options.seed = s.seed;
  const auto start = std::chrono::steady_clock::now();
  const auto result = engine::run(s, options);
  RunFigures f;
  f.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  f.messages = static_cast<double>(result.messages);
  f.ok = result.conserved && !result.deadlock ? 1 : 0;
  return f;
}

RunFigures run_engine(double messages) { return run_engine_on(bench_scenario(messages)); }

// Network sessions: a transfer and an execution per session (SimGrid activities).
RunFigures run_engine_network(double messages) {
  return run_engine_on(bench_scenario(messages, MXSIM_BENCH_DIR "/engine-bench-network.yaml"));
}

// Network sessions with the transfer only: servers keep `service` times.
RunFigures run_engine_network_transfer(double messages) {
  auto s = bench_scenario(messages, MXSIM_BENCH_DIR "/engine-bench-network.yaml");
  for (auto& server : s.servers) {
    server.cpu.reset();
    server.work.reset();
    server.service = {scenario::Distribution::Kind::exponential, 0.5, 0.0};
  }
  return run_engine_on(s);
}

// Runs `body` in a child process and returns its figures with its peak RSS.
template <typename Body>
RunFigures in_child(Body body, double messages) {
  int fds[2];
  if (pipe(fds) != 0) return {};
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    RunFigures f = body(messages);
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    f.peak_rss_mb = static_cast<double>(usage.ru_maxrss) / 1024.0;
    [[maybe_unused]] auto n = write(fds[1], &f, sizeof f);
    _exit(0);
  }
  close(fds[1]);
  RunFigures f;
  if (read(fds[0], &f, sizeof f) != static_cast<ssize_t>(sizeof f)) f = {};
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  return f;
}

template <typename Body>
void whole_run(benchmark::State& state, Body body) {
  const auto messages = static_cast<double>(state.range(0));
  RunFigures f;
  for (auto _ : state) {
    f = in_child(body, messages);
    state.SetIterationTime(f.wall_s);
  }
  if (!f.ok) state.SkipWithError("the run failed or broke conservation");
  state.counters["messages"] = f.messages;
  state.counters["msgs_per_s"] = f.wall_s > 0 ? f.messages / f.wall_s : 0;
  state.counters["peak_rss_MB"] = f.peak_rss_mb;
}

// Memory per message waiting in a queue: the run's peak RSS above what the
// process held before, over the messages waiting at the end.
void BM_Backlog(benchmark::State& state) {
  const auto messages = static_cast<double>(state.range(0));
  RunFigures f;
  for (auto _ : state) {
    f = in_child(run_backlog, messages);
    state.SetIterationTime(f.wall_s);
  }
  const double bytes = f.waiting > 0 ? (f.peak_rss_mb - f.rss_before_mb) * 1024.0 * 1024.0 / f.waiting : 0;
  // A waiting message is a 72-byte record and its retry event (about 125
  // bytes measured at 10^5 messages, 108 at 10^6; 300 and 249 when it kept
  // its whole state): above kMaxBytes something grew back.
  constexpr double kMaxBytes = 200;
  if (!f.ok || f.waiting <= 0) {
    state.SkipWithError("the run failed, broke conservation or delivered mail");
  } else if (messages >= 1e5 && bytes > kMaxBytes) {
    state.SkipWithError(fmt::format("{:.0f} bytes per waiting message, more than {:.0f}", bytes, kMaxBytes).c_str());
  }
  state.counters["waiting"] = f.waiting;
  state.counters["peak_rss_MB"] = f.peak_rss_mb;
  state.counters["bytes_per_waiting"] = bytes;
}

void BM_Engine(benchmark::State& state) { whole_run(state, run_engine); }
void BM_Model(benchmark::State& state) { whole_run(state, run_model_only); }
void BM_EngineNetwork(benchmark::State& state) { whole_run(state, run_engine_network); }
void BM_EngineNetworkTransfer(benchmark::State& state) { whole_run(state, run_engine_network_transfer); }

BENCHMARK(BM_Engine)->Arg(10000)->Arg(100000)->Arg(1000000)->Arg(10000000)
    ->Iterations(1)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Model)->Arg(10000)->Arg(100000)->Arg(1000000)
    ->Iterations(1)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_EngineNetwork)->Arg(10000)->Arg(100000)->Arg(1000000)
    ->Iterations(1)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Backlog)->Arg(100000)->Arg(1000000)
    ->Iterations(1)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_EngineNetworkTransfer)->Arg(10000)->Arg(100000)->Arg(1000000)
    ->Iterations(1)->UseManualTime()->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
