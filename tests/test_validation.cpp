// Proof against theory: where queueing theory or the MTAs' documented
// schedules give exact answers, the model must reproduce them. Tolerances
// come from the sample: replications with different seeds give a Student-t
// confidence interval; counts give binomial or chi-square bounds.
#include <gtest/gtest.h>

#include <boost/math/distributions/students_t.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "model/world.hpp"
#include "report/recorder.hpp"
#include "report/writers.hpp"
#include "report/fairness.hpp"
#include "scenario/scenario.hpp"
#include "support/model_run.hpp"

namespace mxsim::model {
namespace {

struct Run {
  nlohmann::json summary;
  std::string trace;
};

Run run_model(const std::string& yaml, std::uint64_t seed, bool trace = false) {
  test::ModelRun run(yaml, "validation.yaml", seed);
  std::ostringstream trace_text;
  report::Recorder recorder(run.world(), {.trace = trace ? &trace_text : nullptr});
  const double end = run.run(recorder);
  EXPECT_TRUE(recorder.stats().agrees_with(run.world()));
  return {report::to_json(recorder.finish({.seed = seed, .end = end})), trace_text.str()};
}

const nlohmann::json& server(const nlohmann::json& j, const std::string& host) {
  for (const auto& s : j["servers"])
    if (s["host"] == host) return s;
  throw std::runtime_error("no server " + host);
}

double erlang_b(int c, double a) {
  double b = 1.0;
  for (int k = 1; k <= c; ++k) b = a * b / (k + a * b);
  return b;
}

// Two-sided 99.9% Student t quantile (Boost.Math).
double t_999(int dof) {
  return boost::math::quantile(boost::math::students_t_distribution<double>(dof), 0.9995);
}

struct Interval {
  double mean;
  double half_width;
};

Interval confidence(const std::vector<double>& xs) {
  double mean = 0;
  for (double x : xs) mean += x;
  mean /= static_cast<double>(xs.size());
  double ss = 0;
  for (double x : xs) ss += (x - mean) * (x - mean);
  const double sd = std::sqrt(ss / static_cast<double>(xs.size() - 1));
  return {mean, t_999(static_cast<int>(xs.size()) - 1) * sd / std::sqrt(static_cast<double>(xs.size()))};
}

// A primary with 10 sessions and no backlog behind it, a backup big enough
// for everything; RFC 5321 senders (no concurrency limit) at zero round-trip
// time, so a session lasts exactly its service time.
std::string loss_system(const std::string& service, int backlog) {
  return fmt::format(R"(duration: 5000s
zone: |
  $ORIGIN example.com.
  $TTL 3600
  @ IN MX 10 primary
  @ IN MX 20 backup
  primary IN A 192.0.2.1
  backup IN A 198.51.100.2
servers:
  primary.example.com: {{sessions: 10, backlog: {}, overflow: tempfail, service: {}}}
  backup.example.com: {{sessions: 1000, service: 1s}}
senders:
  - {{name: s, mtas: 50, profile: rfc5321, rate: 8/s, rtt: 0s, to: example.com}}
)",
                     backlog, service);
}

void expect_erlang_b(const std::string& service) {
  constexpr int kReplications = 12;
  const double expected = erlang_b(10, 8.0);  // offered load A = 8/s x 1 s
  std::vector<double> fractions;
  double connections = 0;
  for (int seed = 1; seed <= kReplications; ++seed) {
    const auto j = run_model(loss_system(service, 0), seed).summary;
    const auto& p = server(j, "primary.example.com");
    EXPECT_EQ(p["busy_tempfail"], p["tempfail"]);
    fractions.push_back(p["busy_tempfail"].get<double>() / p["connections"].get<double>());
    connections += p["connections"].get<double>();
  }
  const auto ci = confidence(fractions);
  // The interval must be tight enough to mean something: with ~480k
  // connections a binomial standard error is under 0.001; allow correlation.
  EXPECT_LT(ci.half_width, 0.01) << connections << " connections";
  EXPECT_NEAR(ci.mean, expected, ci.half_width) << "Erlang B(10, 8) = " << expected;
}

TEST(Validation, ErlangBLossWithExponentialService) {
  expect_erlang_b("{dist: exponential, mean: 1s}");
}

TEST(Validation, ErlangBIsInsensitiveToTheServiceDistribution) {
  expect_erlang_b("1s");  // constant, same mean: same loss (insensitivity)
}

TEST(Validation, ErlangCWaitWithAnUnboundedBacklog) {
  // M/M/10 at A = 8: P(wait) = C(c, A) = B / (1 - rho (1 - B)), Wq = C / (c mu - lambda).
  const double b = erlang_b(10, 8.0);
  const double c = b / (1 - 0.8 * (1 - b));
  const double wq = c / (10 * 1.0 - 8.0);
  std::vector<double> waits;
  for (int seed = 1; seed <= 8; ++seed) {
    const auto j = run_model(loss_system("{dist: exponential, mean: 1s}", 1000000), seed).summary;
    EXPECT_EQ(server(j, "primary.example.com")["tempfail"], 0);
    EXPECT_EQ(server(j, "backup.example.com")["accepted"], 0);
    // Latency = wait + service; the service mean is 1 s.
    waits.push_back(j["latency_s"]["first_hop"]["mean"].get<double>() - 1.0);
  }
  const auto ci = confidence(waits);
  EXPECT_LT(ci.half_width, 0.1);
  EXPECT_NEAR(ci.mean, wq, ci.half_width) << "Erlang C Wq = " << wq;
}

// ---- retry schedules read back from the trace -----------------------------

// Each MTA's timers run on its own grid phase + k * period; the reference
// schedules below are written relative to this phase, which the scenario
// fixes (overrides: {queue_phase}) so that the test knows it.
constexpr double kPhase = 137;

// One message to a domain whose only MX never answers; the first
// connection of each delivery attempt, in order.
std::vector<double> attempt_times(const std::string& profile, double* submitted) {
  const std::string yaml = fmt::format(R"(duration: 1s
zone: |
  $ORIGIN example.com.
  $TTL 3600
  @ IN MX 10 mx
  mx IN A 192.0.2.1
senders:
  - {{name: s, mtas: 1, profile: {}, rate: 1/s, rtt: 10ms, to: example.com, overrides: {{queue_phase: {}}}}}
events:
  - {{at: 0s, target: mx.example.com, fault: down}}
)",
                                       profile, kPhase);
  // Host memory is shared by the messages of one MTA: take the first seed
  // with which exactly one message arrives, so its schedule is its own.
  Run run;
  for (std::uint64_t seed = 1; seed < 100; ++seed) {
    run = run_model(yaml, seed, true);
    if (run.summary["messages"]["submitted"] == 1) break;
  }
  EXPECT_EQ(run.summary["messages"]["submitted"], 1);
  std::istringstream lines(run.trace);
  std::string line;
  std::getline(lines, line);  // header
  std::vector<double> times;
  while (std::getline(lines, line)) {
    std::vector<std::string> f;
    std::stringstream fields(line);
    for (std::string x; std::getline(fields, x, ',');) f.push_back(x);
    if (f[1] != "0") continue;  // message 0 only
    times.push_back(std::stod(f[0]));
  }
  *submitted = times.empty() ? 0 : times.front();
  return times;
}

// The first tick of the grid kPhase + k * period at or after t, and strictly after t.
double ceil_to(double t, double period) { return kPhase + std::ceil((t - kPhase) / period - 1e-12) * period; }
double tick_after(double t, double period) { return kPhase + (std::floor((t - kPhase) / period + 1e-12) + 1) * period; }

// Exim's host retry record after a failed try ending at f (retry.c; the
// default rule F,2h,15m; G,16h,1h,1.5; F,4d,6h counted from the first failure).
struct EximRecord {
  double first = -1, last = 0, next = 0;
  void failed(double f) {
    if (first < 0) {
      first = f;
      last = f;
      next = f + 900;
      return;
    }
    const double e = f - first;
    double gap = 6 * 3600;
    if (e <= 7200) {
      gap = 900;
    } else if (e <= 16 * 3600) {
      const double last_gap = std::min(next - last, f - last);
      gap = last_gap < 3600 ? 3600 : last_gap * 1.5;
    }
    last = f;
    next = f + gap;
  }
};

// The schedules of docs/profiles.md, written out here
// independently of sim/mta/profile.cpp, each with the host memory that
// decides whether a due attempt connects. A silent host costs the kernel's
// SYN limit (127 s on Linux) when the MTA's own timeout is longer.
std::vector<double> reference_schedule(const std::string& profile, double t0, double until) {
  std::vector<double> out;
  double a = t0;
  if (profile == "rfc5321") {
    for (; a < until; a += 127 + 1800) out.push_back(a);  // the kernel's 127 s, 30 min retry
  } else if (profile == "postfix") {
    while (a < until) {
      out.push_back(a);
      const double f = a + 30;  // 30 s connect timeout
      a = ceil_to(f + std::clamp(f - t0, 300.0, 4000.0), 300);
    }
  } else if (profile == "exim") {
    // Every 30 min queue run looks at the message; only runs at or past the
    // host's next try connect.
    EximRecord host;
    while (a < until) {
      out.push_back(a);
      host.failed(a + 127);
      a = ceil_to(host.next, 1800);
    }
  } else if (profile == "sendmail") {
    while (a < until) {
      out.push_back(a);
      const double f = a + 127;
      // Host status lives in one process (no HostStatusDirectory): each
      // 30 min queue run is a new process and tries the host again.
      a = tick_after(f, 1800);
    }
  } else if (profile == "opensmtpd") {
    int failures = 0, penalty = 0;
    while (a < until) {
      out.push_back(a);
      const double f = a + 127;
      ++failures;
      ++penalty;
      const double disabled_until = f + std::min(15.0 * penalty * penalty, 3600.0);
      double next = std::max(f, t0 + 400.0 * failures * failures);
      // A due attempt while the route is disabled fails without a connection.
      while (next < disabled_until) {
        ++failures;
        next = std::max(next, t0 + 400.0 * failures * failures);
      }
      a = next;
    }
  }
  return out;
}

TEST(Validation, RetrySchedulesMatchTheReferenceAttemptByAttempt) {
  for (const std::string profile : {"rfc5321", "postfix", "exim", "sendmail", "opensmtpd"}) {
    double t0 = 0;
    const auto seen = attempt_times(profile, &t0);
    ASSERT_GT(seen.size(), 5u) << profile;
    const double horizon = 3 * 86400;  // compare the first three days
    std::vector<double> first_days;
    for (double t : seen)
      if (t < horizon) first_days.push_back(t);
    const auto expected = reference_schedule(profile, t0, horizon);
    ASSERT_EQ(first_days.size(), expected.size()) << profile;
    for (std::size_t k = 0; k < expected.size(); ++k)
      EXPECT_NEAR(first_days[k], expected[k], 1e-6) << profile << " attempt " << k;
  }
}

// ---- equal-preference shares ----------------------------------------------

std::string four_hosts(const std::string& profile, int mtas, const std::string& rate,
                       const std::string& extra = "") {
  return fmt::format(R"(duration: 30m
zone: |
  $ORIGIN example.com.
  $TTL 300
  @ IN MX 10 mx1
  @ IN MX 10 mx2
  @ IN MX 10 mx3
  @ IN MX 10 mx4
  mx1 IN A 192.0.2.1
  mx2 IN A 198.51.100.2
  mx3 IN A 203.0.113.3
  mx4 IN A 192.0.2.129
senders:
  - {{name: s, mtas: {}, profile: {}, rate: {}, rtt: 10ms, to: example.com{}}}
)",
                     mtas, profile, rate, extra);
}

TEST(Validation, EqualPreferenceSharesAreUniformPerMessage) {
  // Chi-square against equal shares, 3 degrees of freedom, alpha = 1e-4.
  const double critical = report::chi_square_quantile(1e-4, 3);
  for (const std::string profile : {"rfc5321", "postfix", "exim", "opensmtpd"}) {
    // OpenSMTPD's sessions carry the next messages of their relay wherever
    // they go (so its messages are not independent draws): one message per
    // session leaves each message's route to the policy.
    const std::string senders = profile == "opensmtpd" ? ", overrides: {max_mail_per_session: 1}" : "";
    const auto j = run_model(four_hosts(profile, 20, "10/s", senders), 7).summary;
    std::vector<double> counts;
    for (const auto& s : j["servers"]) counts.push_back(s["accepted"].get<double>());
    double total = 0, statistic = 0;
    for (double c : counts) total += c;
    ASSERT_GT(total / 4, 1000) << profile;
    for (double c : counts) statistic += (c - total / 4) * (c - total / 4) / (total / 4);
    EXPECT_LT(statistic, critical) << profile << " counts " << counts[0] << " " << counts[1] << " " << counts[2]
                                   << " " << counts[3];
  }
}

TEST(Validation, SendmailIsStableWithinAProcessAndUniformAcrossProcesses) {
  // Sendmail seeds mxrand once per process: each arriving message's delivery
  // and each queue run. The four hosts answer 421 for the first 10 minutes,
  // so the mail of that time waits for queue runs: in one run (one process)
  // every message of an MTA tries the same host first; the messages
  // delivered on arrival (each its own process) choose uniformly.
  auto yaml = four_hosts("sendmail", 40, "5/s");
  yaml += "events:\n";
  for (const char* h : {"mx1", "mx2", "mx3", "mx4"})
    yaml += fmt::format("  - {{at: 0s, for: 10m, target: {}.example.com, fault: tempfail}}\n", h);
  const auto run = run_model(yaml, 11, true);
  // The first connection of each delivery attempt, by message: (start, mta, host).
  std::map<std::string, std::vector<std::tuple<double, std::string, std::string>>> attempts;
  std::set<std::string> seen;  // message@start
  std::istringstream lines(run.trace);
  std::string line;
  std::getline(lines, line);
  while (std::getline(lines, line)) {
    std::vector<std::string> f;
    std::stringstream fields(line);
    for (std::string x; std::getline(fields, x, ',');) f.push_back(x);
    if (!seen.insert(f[1] + "@" + f[0]).second) continue;  // later connections of one attempt go down its order
    attempts[f[1]].emplace_back(std::stod(f[0]), f[3], f[5]);
  }
  // A message's first attempt is its delivery on arrival; the others are
  // made by queue runs, which take their messages one after another within
  // a few minutes: an MTA's retries more than 15 min apart are other runs.
  // (During the 421s a run's process learns of each failing host and skips
  // it for the next messages, so only the runs after them are compared.)
  std::map<std::string, std::vector<std::pair<double, std::string>>> retries;  // by MTA
  std::map<std::string, double> first_choice;  // over deliveries on arrival after the 421s
  for (auto& [message, list] : attempts) {
    std::sort(list.begin(), list.end());
    const auto& [start, mta, host] = list.front();
    if (start > 600) first_choice[host] += 1;
    for (std::size_t i = 1; i < list.size(); ++i)
      retries[std::get<1>(list[i])].emplace_back(std::get<0>(list[i]), std::get<2>(list[i]));
  }
  std::size_t runs = 0;
  for (auto& [mta, list] : retries) {
    std::sort(list.begin(), list.end());
    std::size_t begin = 0;
    for (std::size_t i = 1; i <= list.size(); ++i) {
      if (i < list.size() && list[i].first - list[i - 1].first < 900) continue;
      std::set<std::string> hosts;
      for (std::size_t j = begin; j < i; ++j) hosts.insert(list[j].second);
      if (i - begin >= 2 && list[begin].first > 600) {  // after the 421s: no host status to skip by
        ++runs;
        EXPECT_EQ(hosts.size(), 1u) << "MTA " << mta << " at " << list[begin].first
                                    << " changed its order within one queue run";
      }
      begin = i;
    }
  }
  ASSERT_GE(runs, 15u);  // about one per MTA after the 421s
  ASSERT_EQ(first_choice.size(), 4u);
  std::vector<double> counts;
  for (const auto& [host, n] : first_choice) counts.push_back(n);
  double total = 0, statistic = 0;
  for (double c : counts) total += c;
  ASSERT_GT(total / 4, 50);
  for (double c : counts) statistic += (c - total / 4) * (c - total / 4) / (total / 4);
  EXPECT_LT(statistic, report::chi_square_quantile(1e-4, 3));
}

// SCHEDULER_README's "active server concurrency limiter" measurement: one
// Postfix MTA with a backlog of about 1000 messages for a destination whose
// single host takes c = 5 sessions and answers 421 beyond them (no listen
// backlog), 1 s of service per message. The README counts the first
// delivery runs only: the window's time average is sampled every 0.1 s while
// messages are in the active queue, and the share of attempts answered 421
// is taken before the first retries (minimal_backoff_time, 300 s).
struct LimiterRun {
  double window = 0;     // time average while the backlog lasts
  double share_421 = 0;  // of every attempt
  double attempts = 0;
};

LimiterRun concurrency_limiter(const std::string& overrides) {
  const std::string yaml = "duration: 1s\n" + test::kOneMxZone + fmt::format(R"(servers:
  mx.example.com: {{sessions: 5, backlog: 0, overflow: tempfail, service: 1s}}
senders:
  - {{name: s, mtas: 1, profile: postfix, rate: 1000/s, rtt: 10ms, to: example.com{}}}
)",
                                       overrides);
  const auto scenario = scenario::load_text(yaml, "limiter.yaml");
  RoundTripSessions sessions;
  World world(scenario, {.seed = 1}, sessions);
  report::Recorder recorder(world, {});
  world.observe(recorder);
  constexpr double kEnd = 290, kStep = 0.1;
  double window_sum = 0;
  int samples = 0;
  for (double t = kStep; t <= kEnd + 1e-9; t += kStep) {
    world.run_until(t);
    const auto& m = recorder.stats().messages();
    if (m.in_flight() == m.deferred) continue;  // the first run is over
    window_sum += std::max(0, world.concurrency_window(0, 0, "example.com."));
    ++samples;
  }
  const auto j = report::to_json(recorder.finish({.seed = 1, .end = kEnd}));
  const auto& a = j["attempts"];
  const double attempts = a["accepted"].get<double>() + a["timeouts"].get<double>() + a["refused"].get<double>() +
                          a["tempfail"].get<double>() + a["rejected"].get<double>();
  return {.window = window_sum / std::max(samples, 1),
          .share_421 = server(j, "mx.example.com")["busy_tempfail"].get<double>() / attempts,
          .attempts = attempts};
}

// SCHEDULER_README gives the share of deliveries deferred by such a limiter
// as 1/(1 + roundup(1/feedback)): 1/2 with the default feedback of 1, 1/6
// with 1/N at N = 5; it measured 49.7% and 16.5% (mean concurrency 5.63 and
// 5.17). The model's arithmetic is qmgr_queue.c's, whose first failure after
// a step up takes the window down twice: the window then spends time below
// c, where a success adds no 421, hence a share a little under 1/2. The
// dynamics are deterministic given the arrivals; the bounds are the
// README's theory with the margin its own measurements show.
TEST(Validation, PostfixWindowSettlesAtAServersConcurrencyLimit) {
  constexpr double c = 5;
  const auto one = concurrency_limiter("");
  const auto per_window = concurrency_limiter(
      ", overrides: {positive_feedback_per_concurrency: true, negative_feedback_per_concurrency: true}");
  const auto no_reuse = concurrency_limiter(", overrides: {connection_reuse: false}");
  // Postfix's own way to a fixed window: zero feedback, no cohort limit.
  const auto fixed = concurrency_limiter(
      ", overrides: {initial_destination_concurrency: 20, positive_feedback: 0, negative_feedback: 0, "
      "failed_cohort_limit: 0}");
  const std::pair<const char*, const LimiterRun*> runs[] = {
      {"feedback 1 (default)", &one}, {"feedback 1/N", &per_window}, {"feedback 1, no reuse", &no_reuse},
      {"fixed window of 20", &fixed}};
  for (const auto& [name, run] : runs)
    std::printf("%-22s window %5.2f  421 share %.3f of %.0f attempts\n", name, run->window, run->share_421,
                run->attempts);
  EXPECT_NEAR(per_window.window, c, 0.5);
  EXPECT_NEAR(per_window.share_421, 1.0 / 6, 0.03);
  EXPECT_NEAR(one.window, c, 1.5);
  EXPECT_NEAR(one.share_421, 0.5, 0.1);
  // Connection caching leaves it alone (SCHEDULER_README: "yes" and "no" alike).
  EXPECT_NEAR(no_reuse.share_421, one.share_421, 0.05);
  EXPECT_GT(fixed.share_421, 0.9);
  EXPECT_LT(one.share_421, fixed.share_421 / 1.5);
  EXPECT_LT(per_window.share_421, fixed.share_421 / 4);
}

// Queue runs against an independent computation, over many MTAs. 40 Exim
// MTAs get about 30 messages each in the first 10 s; the host greylists
// every message once (delay 1 s), so all of them are deferred and wait for
// their MTA's next queue run, at its own phase, uniform over the 30 min
// period. Each MTA's backlog (30 x 5.5 s, well under one period) is taken
// by one runner, one message at a time: MTA i's deliveries run from its
// first start s_i for exactly K_i x 5.5 s (one fresh connection each:
// 5 round trips of 0.1 s + 5 s), or, passing its connection down the wait
// list, 5.5 s + (K_i - 1) x 5.3 s (3 round trips). The server's peak of
// concurrent sessions is the most of those intervals that overlap, and the
// last delivery the latest interval's end. The runs' start times are the
// phases: their mean is 900 s, within 4 standard errors
// of a uniform over 1800 s for 40 MTAs.
struct Backlog final : Observer {
  std::map<std::uint32_t, std::vector<std::pair<double, double>>> mtas;  // accepted attempts' (start, end)
  int sessions = 0, peak = 0;
  double last_delivery = 0;
  void attempt_ended(const AttemptEnd& a) override {
    if (a.outcome == Outcome::accepted) mtas[a.mta].emplace_back(a.start, a.end);
  }
  // The peak after 20 s, when the greylisted first attempts are over.
  void session_started(double t, std::uint32_t) override {
    ++sessions;
    if (t > 20) peak = std::max(peak, sessions);
  }
  void session_ended(double, std::uint32_t) override { --sessions; }
  void delivered(double t, std::uint32_t, double) override { last_delivery = std::max(last_delivery, t); }
};

void expect_backlog_drain(bool passing) {
  const std::string yaml = "duration: 10s\n" + test::kOneMxZone + fmt::format(R"(servers:
  mx.example.com: {{sessions: 1000, service: 5s, greylist: {{delay: 1s, key: message}}}}
senders:
  - {{name: s, mtas: 40, profile: exim, rate: 120/s, rtt: 100ms, to: example.com,
     overrides: {{connection_reuse: {}}}}}
)",
                                       passing ? "true" : "false");
  Backlog log;
  test::ModelRun(yaml, "backlog.yaml", 5).run(log);
  ASSERT_EQ(log.mtas.size(), 40u);
  // The predicted intervals' starts (+1) and ends (-1); at one time an end
  // sorts before a start, as a run's next session starts when the last ends.
  std::vector<std::pair<double, int>> edges;
  double predicted_last = 0, mean_start = 0;
  for (auto& [mta, attempts] : log.mtas) {
    // An MTA whose tick fell among the arrivals has two runs, 30 min apart.
    std::sort(attempts.begin(), attempts.end());
    mean_start += attempts.front().first / 40;
    std::size_t begin = 0;
    for (std::size_t i = 1; i <= attempts.size(); ++i) {
      if (i < attempts.size() && attempts[i].first - attempts[i - 1].first < 900) continue;
      const double k = static_cast<double>(i - begin);
      const double first = attempts[begin].first;
      const double predicted = passing ? 5.5 + (k - 1) * 5.3 : k * 5.5;
      EXPECT_NEAR(attempts[i - 1].second - first, predicted, 1e-6) << "MTA " << mta;
      edges.emplace_back(first + predicted, -1);
      edges.emplace_back(first, +1);
      predicted_last = std::max(predicted_last, first + predicted);
      begin = i;
    }
  }
  edges.emplace_back(20.0, 0);  // what is open at 20 s counts
  std::sort(edges.begin(), edges.end());
  int open = 0, peak = 0;
  for (const auto& [t, d] : edges)
    if ((open += d) > peak && t >= 20) peak = open;
  EXPECT_EQ(log.peak, peak);
  EXPECT_NEAR(log.last_delivery, predicted_last, 1e-6);
  const double standard_error = 1800 / std::sqrt(12.0) / std::sqrt(40.0);
  EXPECT_NEAR(mean_start, 900, 4 * standard_error);
}

TEST(Validation, EximBacklogsDrainOneMessageAtATimePerRun) { expect_backlog_drain(false); }
TEST(Validation, EximBacklogsDrainDownPassedConnections) { expect_backlog_drain(true); }

}  // namespace
}  // namespace mxsim::model
