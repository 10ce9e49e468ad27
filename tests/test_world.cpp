// The delivery model without SimGrid: the model times its own outages, and
// each test checks one path of the state machine against a number worked
// out by hand from the profile's parameters.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include <nlohmann/json.hpp>

#include "model/world.hpp"
#include "report/recorder.hpp"
#include "report/writers.hpp"
#include "scenario/scenario.hpp"
#include "support/model_run.hpp"

namespace mxsim::model {
namespace {

const char* kZone = R"(zone: |
  $ORIGIN example.com.
  $TTL 45000
  @          IN MX 10 mailhost1
  @          IN MX 20 mailhost2
  mailhost1  IN A    192.0.2.10
  mailhost2  IN A    192.0.2.20
)";

nlohmann::json run_model(const std::string& yaml, std::uint64_t seed = 1) {
  test::ModelRun run(yaml, "test.yaml", seed);
  report::Recorder recorder(run.world(), {});
  const double end = run.run(recorder);
  EXPECT_TRUE(recorder.stats().agrees_with(run.world()));
  return report::to_json(recorder.finish({.seed = seed, .end = end}));
}

std::string failover(const std::string& profile, const std::string& events, const std::string& extra = "") {
  return std::string("duration: 1h\n") + kZone +
         "servers:\n  mailhost1.example.com: {service: 1s}\n  mailhost2.example.com: {service: 1s}\n"
         "senders:\n  - {name: s, mtas: 4, profile: " + profile + ", rate: 1/s, rtt: 100ms, to: example.com" +
         extra + "}\n" + events;
}

const nlohmann::json& server(const nlohmann::json& j, const std::string& host) {
  for (const auto& s : j["servers"])
    if (s["host"] == host) return s;
  throw std::runtime_error("no server " + host);
}

// Where a test times each message's own connections, Postfix's idle
// connection cache is off: a message over a cached connection pays fewer
// round trips and may skip the primary (smtp_reuse_nexthop).
constexpr const char* kNoIdleCache = ", overrides: {connection_cache_time: 0}";

TEST(World, HealthyPrimaryTakesEverything) {
  const auto j = run_model(failover("postfix", "", kNoIdleCache));
  const auto n = j["messages"]["submitted"].get<std::uint64_t>();
  EXPECT_GT(n, 3000u);
  EXPECT_EQ(j["messages"]["delivered"], n);
  EXPECT_EQ(server(j, "mailhost1.example.com")["accepted"], n);
  EXPECT_EQ(server(j, "mailhost2.example.com")["accepted"], 0);
  // 5 round trips of 100 ms plus 1 s of service, for every message.
  EXPECT_NEAR(j["latency_s"]["first_hop"]["mean"].get<double>(), 1.5, 1e-6);
}

TEST(World, DownPrimaryCostsTheConnectTimeout) {
  // Without connection reuse (a message over a kept backup connection would
  // skip the primary) and with the whole window from the start (slow start
  // would queue a few of the ~8 deliveries each MTA has in progress).
  const auto j = run_model(failover("postfix", "events:\n  - {at: 0s, target: mailhost1.example.com, fault: down}\n",
                                    ", overrides: {connection_reuse: false, initial_destination_concurrency: 20}"));
  EXPECT_EQ(server(j, "mailhost1.example.com")["accepted"], 0);
  EXPECT_EQ(server(j, "mailhost1.example.com")["timeouts"], j["messages"]["submitted"]);
  // Postfix's 30 s connect timeout, then the backup's 1.5 s session.
  EXPECT_NEAR(j["latency_s"]["first_hop"]["mean"].get<double>(), 31.5, 1e-6);
  EXPECT_NEAR(j["latency_s"]["first_hop"]["p50"].get<double>(), 31.5, 31.5 * 0.01);
}

TEST(World, RefusedPrimaryFailsAtOnce) {
  const auto j = run_model(
      failover("postfix", "events:\n  - {at: 0s, target: mailhost1.example.com, fault: refuse}\n", kNoIdleCache));
  EXPECT_EQ(server(j, "mailhost1.example.com")["refused"], j["messages"]["submitted"]);
  // One round trip for the RST, then the backup's session.
  EXPECT_NEAR(j["latency_s"]["first_hop"]["mean"].get<double>(), 0.1 + 1.5, 1e-6);
}

TEST(World, TempfailingPrimaryMovesOnAfterTheGreeting) {
  const auto j =
      run_model(failover("postfix", "events:\n  - {at: 0s, target: mailhost1.example.com, fault: tempfail}\n",
                         kNoIdleCache));
  const auto& primary = server(j, "mailhost1.example.com");
  EXPECT_EQ(primary["tempfail"], j["messages"]["submitted"]);
  EXPECT_EQ(primary["busy_tempfail"], 0);
  // Handshake and 421 greeting: two round trips.
  EXPECT_NEAR(j["latency_s"]["first_hop"]["mean"].get<double>(), 0.2 + 1.5, 1e-6);
}

TEST(World, FullServerAnswers421AndCountsBusyTempfail) {
  const std::string yaml = std::string("duration: 10m\n") + kZone +
                           "servers:\n  mailhost1.example.com: {sessions: 1, service: 10s}\n"
                           "senders:\n  - {name: s, profile: postfix, rate: 1/s, rtt: 10ms, to: example.com}\n";
  const auto j = run_model(yaml);
  const auto& primary = server(j, "mailhost1.example.com");
  EXPECT_GT(primary["busy_tempfail"].get<int>(), 0);
  EXPECT_EQ(primary["busy_tempfail"], primary["tempfail"]);
  EXPECT_EQ(primary["peak_sessions"], 1);
  EXPECT_GT(server(j, "mailhost2.example.com")["accepted"].get<int>(), 0);
}

TEST(World, BacklogWaitsForASession) {
  const std::string yaml = std::string("duration: 10m\n") + kZone +
                           "servers:\n  mailhost1.example.com: {sessions: 1, backlog: 1000, service: 0.5s}\n"
                           "senders:\n  - {name: s, profile: postfix, rate: 1/s, rtt: 10ms, to: example.com}\n";
  const auto j = run_model(yaml);
  EXPECT_EQ(server(j, "mailhost1.example.com")["tempfail"], 0);
  EXPECT_EQ(server(j, "mailhost2.example.com")["accepted"], 0);
  // M/D/1 at load 0.55: waiting makes the mean latency exceed the bare session.
  EXPECT_GT(j["latency_s"]["first_hop"]["mean"].get<double>(), 0.55 + 0.05);
}

TEST(World, EveryServerDownDefersThenBouncesAtMaxLifetime) {
  // rfc5321: 30 min after each failed attempt (two 10 s timeouts); with a
  // 2 h lifetime a message is tried five times, the last starting at
  // 4 * 1820 s = 7280 s, and bounces when that one fails at 7300 s.
  const auto j = run_model(
      std::string("duration: 1m\n") + kZone +
      "senders:\n  - {name: s, profile: rfc5321, rate: 1/s, rtt: 10ms, to: example.com,"
      " overrides: {max_lifetime: 2h, connect_timeout: 10s}}\n"
      "events:\n  - {at: 0s, target: mailhost1.example.com, fault: down}\n"
      "  - {at: 0s, target: mailhost2.example.com, fault: down}\n");
  const auto n = j["messages"]["submitted"].get<std::uint64_t>();
  EXPECT_EQ(j["bounces"]["expired"], n);
  EXPECT_EQ(j["messages"]["delivered"], 0);
  EXPECT_EQ(j["attempts"]["connections"], n * 5 * 2);
  // Arrivals span the first minute.
  EXPECT_NEAR(j["simulated_s"].get<double>(), 7300 + 30, 30);
}

TEST(World, RecoveryDeliversOnTheRetry) {
  // Both servers down for 10 minutes: Postfix retries at the next queue scan
  // after 300 s of backoff and delivers then.
  const auto j = run_model(
      std::string("duration: 1m\n") + kZone +
      "senders:\n  - {name: s, profile: postfix, rate: 1/s, rtt: 10ms, to: example.com}\n"
      "events:\n  - {at: 0s, for: 10m, target: mailhost1.example.com, fault: down}\n"
      "  - {at: 0s, for: 10m, target: mailhost2.example.com, fault: down}\n");
  EXPECT_EQ(j["messages"]["delivered"], j["messages"]["submitted"]);
  // Failures at ~60 s (two 30 s timeouts) -> eligible at +300 -> the MTA's next scan (every 300 s on
  // its own phase): a scan before 600 s still finds the servers down, the next one after delivers
  // (600 + 60 + 300 = 960, plus at most one scan period: 1260, and the first minute of arrivals).
  EXPECT_GE(j["latency_s"]["delivery"]["p50"].get<double>(), 600 - 60);
  EXPECT_LE(j["latency_s"]["delivery"]["max"].get<double>(), 1260 + 300 + 1);
}

TEST(World, FourEqualHostsShareWithinABinomialBound) {
  const std::string yaml = R"(duration: 1h
zone: |
  $ORIGIN example.com.
  $TTL 300
  @ IN MX 10 mx1
  @ IN MX 10 mx2
  @ IN MX 10 mx3
  @ IN MX 10 mx4
  mx1 IN A 192.0.2.1
  mx2 IN A 192.0.2.2
  mx3 IN A 192.0.2.3
  mx4 IN A 192.0.2.4
senders:
  - {name: s, mtas: 20, profile: rfc5321, rate: 10/s, rtt: 20ms, to: example.com}
)";
  const auto j = run_model(yaml);
  const double n = j["messages"]["delivered"].get<double>();
  // Each share is binomial(n, 1/4); 4.5 standard deviations bound the four
  // together at a false-alarm rate under 3e-5.
  const double bound = 4.5 * std::sqrt(0.25 * 0.75 / n);
  for (const auto& s : j["servers"]) EXPECT_NEAR(s["share"].get<double>(), 0.25, bound) << s["host"];
  EXPECT_GT(j["groups"][0]["chi2_p"].get<double>(), 1e-4);
}

TEST(World, NullMxBouncesWithoutConnecting) {
  const auto j = run_model(R"(duration: 10m
zone: |
  $ORIGIN example.org.
  @ 3600 IN MX 0 .
senders:
  - {name: s, rate: 1/s, to: example.org}
)");
  EXPECT_EQ(j["bounces"]["null_mx"], j["messages"]["submitted"]);
  EXPECT_EQ(j["attempts"]["connections"], 0);
}

TEST(World, ImplicitMxDeliversToTheDomainsAddress) {
  const auto j = run_model(R"(duration: 10m
zone: |
  $ORIGIN example.net.
  @ 3600 IN A 198.51.100.7
senders:
  - {name: s, rate: 1/s, to: example.net}
)");
  EXPECT_EQ(j["messages"]["delivered"], j["messages"]["submitted"]);
  EXPECT_EQ(j["servers"][0]["preference"], 0);
}

TEST(World, CnameTargetIsFollowedWithAWarning) {
  const auto j = run_model(R"(duration: 10m
zone: |
  $ORIGIN example.com.
  @ 3600 IN MX 10 mail
  mail 3600 IN CNAME real
  real 3600 IN A 192.0.2.5
senders:
  - {name: s, rate: 1/s, to: example.com}
)");
  EXPECT_EQ(j["messages"]["delivered"], j["messages"]["submitted"]);
  ASSERT_EQ(j["warnings"].size(), 1u);
  EXPECT_NE(j["warnings"][0].get<std::string>().find("mail.example.com is a CNAME"), std::string::npos);
}

TEST(World, ZoneUpdateIsSeenAfterTheTtl) {
  // The MX moves from mx1 to mx3 at 10 min; with a 5 min TTL every MTA has
  // switched by 15 min, and nothing reaches mx1 after that.
  const auto j = run_model(R"(duration: 30m
zone: |
  $ORIGIN example.com.
  $TTL 300
  @ IN MX 10 mx1
  mx1 IN A 192.0.2.1
senders:
  - {name: s, mtas: 5, rate: 2/s, to: example.com}
events:
  - {at: 10m, zone: "@ IN MX 10 mx3\nmx3 IN A 192.0.2.3"}
)");
  const double n = j["messages"]["delivered"].get<double>();
  const double old_share = server(j, "mx1.example.com")["accepted"].get<double>() / n;
  // mx1 gets the first 10 min, plus part of the next 5 at most: between 1/3 and 1/2.
  EXPECT_GT(old_share, 10.0 / 30 - 0.05);
  EXPECT_LT(old_share, 15.0 / 30 + 0.05);
}

TEST(World, SameSeedSameSummaryDifferentSeedDifferent) {
  const auto yaml = failover("rfc5321", "events:\n  - {at: 10m, for: 10m, target: mailhost1.example.com, fault: down}\n");
  EXPECT_EQ(run_model(yaml, 1).dump(), run_model(yaml, 1).dump());
  EXPECT_NE(run_model(yaml, 1).dump(), run_model(yaml, 2).dump());
}

const char* kTwoMx = R"(zone: |
  $ORIGIN example.com.
  $TTL 3600
  @          IN MX 10 mailhost1
  @          IN MX 20 mailhost2
  mailhost1  IN A    192.0.2.10
  mailhost2  IN A    198.51.100.20
)";

std::string rejecting_primary(const std::string& profile, const std::string& at) {
  return std::string("duration: 5m\n") + kTwoMx + "servers:\n  mailhost1.example.com: {reject: {fraction: 1, code: 554" +
         at + "}}\n"
         "senders:\n  - {name: s, mtas: 5, profile: " + profile + ", rate: 2/s, to: example.com}\n";
}

TEST(World, RejectAtRcptBouncesUnderEveryProfile) {
  // A 5xx to MAIL, RCPT or DATA (the default `at: rcpt`) is permanent for
  // every MTA: the message is returned and the backup never sees it.
  for (const std::string profile : {"rfc5321", "postfix", "exim", "sendmail", "opensmtpd"}) {
    const auto j = run_model(rejecting_primary(profile, ""));
    EXPECT_EQ(j["bounces"]["rejected"], j["messages"]["submitted"]) << profile;
    EXPECT_EQ(server(j, "mailhost2.example.com")["accepted"], 0) << profile;
  }
}

TEST(World, RejectAtTheGreetingBouncesUnderEximAndMovesOnUnderPostfix) {
  // A 554 banner: Exim fails the addresses (`rejected`); Postfix
  // (smtp_skip_5xx_greeting = yes), Sendmail and OpenSMTPD try the backup.
  const auto exim = run_model(rejecting_primary("exim", ", at: greeting"));
  EXPECT_EQ(exim["bounces"]["rejected"], exim["messages"]["submitted"]);
  EXPECT_EQ(server(exim, "mailhost2.example.com")["accepted"], 0);
  for (const std::string profile : {"postfix", "sendmail", "opensmtpd"}) {
    const auto j = run_model(rejecting_primary(profile, ", at: greeting"));
    EXPECT_EQ(j["bounces"]["rejected"], 0) << profile;
    EXPECT_EQ(server(j, "mailhost2.example.com")["accepted"], j["messages"]["submitted"]) << profile;
    // Postfix's cached connections and OpenSMTPD's sessions to the backup
    // carry later messages, which then never meet the primary.
    if (profile != "sendmail")
      EXPECT_GT(server(j, "mailhost1.example.com")["rejected"].get<int>(), 0) << profile;
    else
      EXPECT_EQ(server(j, "mailhost1.example.com")["rejected"], j["messages"]["submitted"]) << profile;
  }
}

TEST(World, AGreetingRejectCostsTwoRoundTrips) {
  // SYN and the 554 banner (0.2 s at 100 ms), then the backup's 1.5 s session.
  const auto j = run_model(std::string("duration: 1h\n") + kZone +
                           "servers:\n  mailhost1.example.com: {reject: {fraction: 1, at: greeting}}\n"
                           "  mailhost2.example.com: {service: 1s}\n"
                           "senders:\n  - {name: s, mtas: 4, profile: postfix, rate: 1/s, rtt: 100ms, to: example.com, "
                           "overrides: {connection_cache_time: 0}}\n");
  EXPECT_NEAR(j["latency_s"]["first_hop"]["mean"].get<double>(), 0.2 + 1.5, 1e-6);
}

TEST(World, RejectFractionIsBinomial) {
  const auto j = run_model(std::string("duration: 30m\n") + kTwoMx +
                           "servers:\n  mailhost1.example.com: {reject: {fraction: 0.1}}\n"
                           "senders:\n  - {name: s, mtas: 5, profile: exim, rate: 5/s, to: example.com}\n");
  const double n = j["messages"]["submitted"].get<double>();
  const double rejected = j["bounces"]["rejected"].get<double>();
  // 5 standard deviations of binomial(n, 0.1).
  EXPECT_NEAR(rejected / n, 0.1, 5 * std::sqrt(0.1 * 0.9 / n));
}

TEST(World, GreylistingPerSenderAndDomainDelaysOnlyTheFirstMessages) {
  // Key (MTA, domain): each MTA's first message is greylisted; once it
  // passed, later messages of that MTA go straight through.
  const auto j = run_model(std::string("duration: 1h\n") + kTwoMx +
                           "servers:\n  mailhost1.example.com: {greylist: {delay: 5m}}\n"
                           "  mailhost2.example.com: {greylist: {delay: 5m}}\n"
                           "senders:\n  - {name: s, mtas: 3, profile: postfix, rate: 1/s, rtt: 10ms, to: example.com}\n");
  const auto greylisted = j["attempts"]["greylisted"].get<int>();
  EXPECT_GT(greylisted, 0);
  // Only messages sent before each MTA's first pass (about 10 minutes) are held.
  EXPECT_LT(greylisted, 2 * 3 * 700);
  EXPECT_EQ(j["messages"]["delivered"], j["messages"]["submitted"]);
  EXPECT_LT(j["latency_s"]["delivery"]["p50"].get<double>(), 5.0);
}

TEST(World, APassedSenderIsNotGreylistedAgainAfterTheRetryWindow) {
  // One MTA sending a message an hour to a greylisting MX (key mta-domain):
  // once its triplet passed on the first day, steady traffic keeps it
  // passed (postgrey renews last-seen), so days 2 and 3 add no 450. The
  // first day's arrivals are the same in both runs (one arrival stream).
  const auto days = [](int n) {
    return run_model("duration: " + std::to_string(n) + "d\n" + kTwoMx +
                     "servers:\n  mailhost1.example.com: {greylist: {}}\n"
                     "  mailhost2.example.com: {greylist: {}}\n"
                     "senders:\n  - {name: s, profile: postfix, rate: 1/h, to: example.com}\n");
  };
  const auto one = days(1);
  const auto three = days(3);
  EXPECT_GT(one["attempts"]["greylisted"].get<int>(), 0);
  EXPECT_GT(three["messages"]["submitted"].get<int>(), one["messages"]["submitted"].get<int>() + 24);
  EXPECT_EQ(three["attempts"]["greylisted"], one["attempts"]["greylisted"]);
}

TEST(World, RelayHoldsMailUntilThePrimaryReturns) {
  const auto j = run_model(std::string("duration: 30m\n") + kTwoMx +
                           "servers:\n  mailhost2.example.com: {role: relay, relay: {profile: postfix}}\n"
                           "senders:\n  - {name: s, mtas: 5, profile: exim, rate: 1/s, rtt: 10ms, to: example.com}\n"
                           "events:\n  - {at: 0s, for: 20m, target: mailhost1.example.com, fault: down}\n");
  const auto n = j["messages"]["submitted"].get<std::uint64_t>();
  EXPECT_EQ(j["messages"]["delivered"], n);
  // Everything ends at the primary, the final server; the relay took some first.
  EXPECT_EQ(server(j, "mailhost1.example.com")["accepted"], n);
  EXPECT_GT(server(j, "mailhost2.example.com")["accepted"].get<int>(), 0);
  // First hops through the relay are short; their delivery waits for the primary.
  EXPECT_GT(j["latency_s"]["delivery"]["max"].get<double>(), 10 * 60);
  EXPECT_LT(j["latency_s"]["first_hop"]["p50"].get<double>(), j["latency_s"]["delivery"]["p50"].get<double>() + 1e-9);
}

TEST(World, ARelayThatIsTheBestMxLoopsToItself) {
  // The relay is the only MX: dropping its own level leaves nothing.
  const auto j = run_model(R"(duration: 5m
zone: |
  $ORIGIN example.com.
  @ 3600 IN MX 10 mx
  mx 3600 IN A 192.0.2.1
servers:
  mx.example.com: {role: relay, relay: {profile: postfix}}
senders:
  - {name: s, rate: 1/s, to: example.com}
)");
  EXPECT_EQ(j["bounces"]["loops_to_self"], j["messages"]["submitted"]);
  EXPECT_EQ(j["latency_s"]["first_hop"]["count"], j["messages"]["submitted"]);
}

TEST(World, DnsLatencyDelaysOnlyCacheMisses) {
  // TTL 3600, one MTA and a cold cache: the first message pays two queries'
  // worth of latency (MX, then the A and AAAA of the exchange in one go);
  // the rest are answered from the cache.
  const auto base = std::string("duration: 10m\ndns: {caches: cold}\n") + kTwoMx +
                    "senders:\n  - {name: s, mtas: 1, profile: postfix, rate: 1/s, rtt: 10ms, to: example.com";
  const auto fast = run_model(base + "}\n");
  const auto slow = run_model(base + ", dns_latency: 2s}\n");
  EXPECT_NEAR(slow["latency_s"]["first_hop"]["max"].get<double>(), fast["latency_s"]["first_hop"]["max"].get<double>() + 2, 1e-6);
  EXPECT_NEAR(slow["latency_s"]["first_hop"]["p50"].get<double>(), fast["latency_s"]["first_hop"]["p50"].get<double>(), 1e-6);
}

TEST(World, EximSkipsADeadHostItHasARetryRecordFor) {
  const auto run = [](const std::string& profile) {
    return run_model(std::string("duration: 1h\n") + kTwoMx + "senders:\n  - {name: s, mtas: 2, profile: " + profile +
                     ", rate: 1/s, rtt: 10ms, to: example.com}\n"
                     "events:\n  - {at: 0s, target: mailhost1.example.com, fault: down}\n");
  };
  const auto rfc = run("rfc5321");
  const auto exim = run("exim");
  // Without host memory every message times out at the primary; with
  // Exim's records only those sent during a pending probe do.
  EXPECT_EQ(rfc["attempts"]["timeouts"], rfc["messages"]["submitted"]);
  EXPECT_LT(exim["attempts"]["timeouts"].get<double>(), 0.5 * exim["messages"]["submitted"].get<double>());
}

TEST(World, EveryProfileRuns) {
  for (const std::string profile : {"rfc5321", "postfix", "exim", "sendmail", "opensmtpd"}) {
    const auto j = run_model(failover(profile, "events:\n  - {at: 5m, for: 10m, target: mailhost1.example.com, fault: down}\n"));
    EXPECT_EQ(j["messages"]["delivered"], j["messages"]["submitted"]) << profile;
  }
}

// Counts what the model tells its observer.
struct Tally final : Observer {
  std::uint64_t submitted_ = 0, connections = 0, attempts = 0, accepted = 0, delivered_ = 0, bounced_ = 0;
  std::int64_t open_sessions = 0;
  double last = 0;
  bool in_order = true;
  void at(double t) {
    in_order = in_order && t >= last;
    last = t;
  }
  void submitted(double t) override { at(t); ++submitted_; }
  void connection(double t, std::uint32_t) override { at(t); ++connections; }
  void attempt_ended(const AttemptEnd& a) override {
    at(a.end);
    ++attempts;
    in_order = in_order && a.start <= a.end;
    if (a.outcome == Outcome::accepted) ++accepted;
  }
  void session_started(double t, std::uint32_t) override { at(t); ++open_sessions; }
  void session_ended(double t, std::uint32_t) override { at(t); --open_sessions; }
  void delivered(double t, std::uint32_t, double) override { at(t); ++delivered_; }
  void bounced(double t, BounceReason) override { at(t); ++bounced_; }
};

TEST(World, ObserverHearsEveryAttemptEndAndMessageFateInTimeOrder) {
  const auto scenario = scenario::load_text(
      failover("postfix", "events:\n  - {at: 10m, for: 10m, target: mailhost1.example.com, fault: down}\n",
               kNoIdleCache),
      "test.yaml");
  RoundTripSessions sessions;
  World world(scenario, {.seed = 3}, sessions);
  Tally tally;
  world.observe(tally);
  run_standalone(world);
  EXPECT_GT(tally.submitted_, 3000u);
  EXPECT_EQ(tally.submitted_, world.submitted());
  EXPECT_EQ(tally.delivered_ + tally.bounced_, tally.submitted_);
  EXPECT_EQ(tally.attempts, tally.connections);  // one end per connection
  EXPECT_EQ(tally.accepted, tally.delivered_);   // no relay: one acceptance per delivery
  EXPECT_GT(tally.connections, tally.submitted_);  // the outage cost timeouts
  EXPECT_EQ(tally.open_sessions, 0);
  EXPECT_TRUE(tally.in_order);
  EXPECT_TRUE(world.conserved());
}

TEST(World, StandaloneRunStopsAtTheHorizon) {
  // Every server down for good: messages retry past the one-hour horizon.
  const auto scenario = scenario::load_text(
      std::string("duration: 10m\nhorizon: 1h\n") + kZone +
          "senders:\n  - {name: s, profile: postfix, rate: 1/s, rtt: 10ms, to: example.com}\n"
          "events:\n  - {at: 0s, target: mailhost1.example.com, fault: down}\n"
          "  - {at: 0s, target: mailhost2.example.com, fault: down}\n",
      "test.yaml");
  RoundTripSessions sessions;
  World world(scenario, {.seed = 1}, sessions);
  const double end = run_standalone(world);
  EXPECT_LE(end, 3600.0);
  EXPECT_GT(end, 3000.0);
  EXPECT_EQ(world.in_flight(), world.submitted());
  EXPECT_GT(world.next_time(), 3600.0);
}

TEST(World, NetworkScenarioNeedsNetworkSessions) {
  const auto scenario = scenario::load_text(std::string("engine: {sessions: network}\nduration: 1m\n") + kZone +
                                                "senders:\n  - {name: s, rate: 1/s, to: example.com, size: 60KB}\n",
                                            "test.yaml");
  RoundTripSessions sessions;
  EXPECT_THROW(World(scenario, {.seed = 1}, sessions), std::invalid_argument);
}

}  // namespace
}  // namespace mxsim::model

namespace mxsim::model {
namespace {

scenario::Event down_event(double at, double length, std::optional<double> every) {
  scenario::Event e;
  e.at = at;
  e.length = length;
  e.every = every;
  return e;
}

// Overlapping and touching windows join; a periodic event's windows come
// one at a time: a year of `every: 1s` costs nothing until it is read.
TEST(MergedWindows, JoinsWindowsInOrderAndGeneratesThemOnUse) {
  const auto once = down_event(5, 10, std::nullopt);          // 5-15
  const auto periodic = down_event(0, 2, 4.0);                // 0-2, 4-6, 8-10, 12-14, 16-18, ...
  const auto touching = down_event(18, 1, std::nullopt);      // 18-19 touches 16-18
  MergedWindows merged({&once, &periodic, &touching}, 365.0 * 86400);
  std::vector<DownWindow> got;
  DownWindow w;
  for (int i = 0; i < 4 && merged.next(w); ++i) got.push_back(w);
  ASSERT_EQ(got.size(), 4u);
  EXPECT_DOUBLE_EQ(got[0].start, 0);
  EXPECT_DOUBLE_EQ(got[0].end, 2);
  EXPECT_DOUBLE_EQ(got[1].start, 4);
  EXPECT_DOUBLE_EQ(got[1].end, 15);
  EXPECT_DOUBLE_EQ(got[2].start, 16);
  EXPECT_DOUBLE_EQ(got[2].end, 19);
  EXPECT_DOUBLE_EQ(got[3].start, 20);
  // The last window starts before the bound.
  MergedWindows bounded({&periodic}, 10);
  std::size_t n = 0;
  while (bounded.next(w)) ++n;
  EXPECT_EQ(n, 3u);
  EXPECT_DOUBLE_EQ(w.start, 8);
}

TEST(MergedWindows, AWindowThatNeverEndsSwallowsTheRest) {
  const auto forever = down_event(3, std::numeric_limits<double>::infinity(), std::nullopt);
  const auto periodic = down_event(0, 1, 1.0);
  MergedWindows merged({&forever, &periodic}, 1e12);
  DownWindow w;
  ASSERT_TRUE(merged.next(w));
  EXPECT_DOUBLE_EQ(w.start, 0);
  EXPECT_DOUBLE_EQ(w.end, std::numeric_limits<double>::infinity());
  EXPECT_FALSE(merged.next(w));
}

}  // namespace
}  // namespace mxsim::model
