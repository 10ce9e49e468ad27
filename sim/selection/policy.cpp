// The selection policies. Each one sorts by preference, then reorders inside
// each level only; the load-aware ones rank by what this MTA saw of its own
// attempts. Where a policy follows a known implementation, the comment says which.
#include "selection/policy.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include <fmt/format.h>

#include "selection/steps.hpp"

namespace mxsim::selection {

Policy::~Policy() = default;
void Policy::on_attempt_start(std::uint32_t, double) {}
void Policy::on_attempt_end(std::uint32_t, double, Result, double) {}

namespace {

constexpr std::string_view kHealthAware = "health-aware";
constexpr std::string_view kHealthDefaultInner = "rfc5321-shuffle";

// ---- stateless orderings (the profiles' own) --------------------------------

class Rfc5321Shuffle final : public Policy {
 public:
  void order(std::span<const dns::Target> targets, double, util::Rng& rng, std::uint32_t limit,
             std::vector<std::uint32_t>& order) override {
    order_rfc5321_shuffle(targets, rng, limit, order);
  }
  std::string_view name() const override { return "rfc5321-shuffle"; }
};

class PostfixShuffle final : public Policy {
 public:
  void order(std::span<const dns::Target> targets, double, util::Rng& rng, std::uint32_t limit,
             std::vector<std::uint32_t>& order) override {
    order_postfix_shuffle(targets, rng, limit, order);
  }
  std::string_view name() const override { return "postfix-shuffle"; }
};

class Ordered final : public Policy {
 public:
  void order(std::span<const dns::Target> targets, double, util::Rng&, std::uint32_t limit,
             std::vector<std::uint32_t>& order) override {
    order_zone(targets, limit, order);
  }
  std::string_view name() const override { return "ordered"; }
};

// ---- policies that reorder each level by a rule of their own ----------------

// Sorts by preference, hands each level of two or more entries to
// order_level(), cuts to the limit.
class LevelPolicy : public Policy {
 public:
  void order(std::span<const dns::Target> targets, double now, util::Rng& rng, std::uint32_t limit,
             std::vector<std::uint32_t>& order) final {
    identity(targets, order);
    sort_by_preference(targets, order);
    for_each_level(targets, order, [&](std::uint32_t* level, std::size_t n) {
      if (n > 1) order_level(targets, level, n, now, rng);
    });
    cut(order, limit);
  }

 protected:
  virtual void order_level(std::span<const dns::Target> targets, std::uint32_t* level, std::size_t n, double now,
                           util::Rng& rng) = 0;
};

// Stable insertion sort of level[0, n) by key(entry), ascending. Levels are
// small; ties keep their (already random) order.
template <typename Key>
void sort_level_by(std::uint32_t* level, std::size_t n, Key key) {
  for (std::size_t i = 1; i < n; ++i) {
    const std::uint32_t item = level[i];
    const auto k = key(item);
    std::size_t j = i;
    while (j > 0 && key(level[j - 1]) > k) {
      level[j] = level[j - 1];
      --j;
    }
    level[j] = item;
  }
}

// Each level's addresses rotated by one at every pick of that level. The
// rotation of a level is kept per MTA and per level (keyed by its addresses,
// so that two recipient domains do not share a cursor), starting at a random
// offset so that the MTAs of a group do not start in step.
class RoundRobin final : public LevelPolicy {
 public:
  std::string_view name() const override { return "round-robin"; }

 protected:
  void order_level(std::span<const dns::Target> targets, std::uint32_t* level, std::size_t n, double,
                   util::Rng& rng) override {
    std::uint64_t key = n;
    for (std::size_t i = 0; i < n; ++i) {
      std::uint64_t state = targets[level[i]].address;
      key = key * 0x9E3779B97F4A7C15ULL + util::splitmix64(state);
    }
    auto it = std::find_if(cursors_.begin(), cursors_.end(), [&](const Cursor& c) { return c.key == key; });
    if (it == cursors_.end()) {
      cursors_.push_back({key, rng.below(static_cast<std::uint32_t>(n))});
      it = cursors_.end() - 1;
    }
    const auto offset = static_cast<std::size_t>(it->next % n);
    it->next = static_cast<std::uint32_t>((offset + 1) % n);
    std::rotate(level, level + offset, level + n);
  }

 private:
  struct Cursor {
    std::uint64_t key;
    std::uint32_t next;
  };
  std::vector<Cursor> cursors_;  // few: one per MX level this MTA has seen
};

// RFC 2782's weighted selection, applied to the addresses of one level:
// repeatedly draw among the entries not yet placed with probability
// proportional to their weight. Weights are positive reals here (the
// scenario's `weight`), so the draw is continuous.
class Weighted final : public LevelPolicy {
 public:
  explicit Weighted(std::shared_ptr<const std::vector<double>> weights) : weights_(std::move(weights)) {}
  std::string_view name() const override { return "weighted"; }

 protected:
  void order_level(std::span<const dns::Target> targets, std::uint32_t* level, std::size_t n, double,
                   util::Rng& rng) override {
    double total = 0;
    for (std::size_t i = 0; i < n; ++i) total += weight(targets[level[i]].address);
    for (std::size_t placed = 0; placed + 1 < n; ++placed) {
      const double draw = rng.uniform() * total;
      double running = 0;
      std::size_t chosen = n - 1;  // rounding: the last one takes what is left
      for (std::size_t i = placed; i < n; ++i) {
        running += weight(targets[level[i]].address);
        if (draw < running) {
          chosen = i;
          break;
        }
      }
      total -= weight(targets[level[chosen]].address);
      std::swap(level[placed], level[chosen]);
    }
  }

 private:
  double weight(std::uint32_t server) const {
    return weights_ && server < weights_->size() ? (*weights_)[server] : 1.0;
  }
  std::shared_ptr<const std::vector<double>> weights_;
};

// Sendmail's getmxrr()/mxrand(): equal-preference exchanges sorted by a hash
// of the exchange seeded once per process (steps.hpp's sendmail_key, which
// the sendmail profile uses too), so one MTA always tries them in the same
// order and different MTAs in different orders. A host's addresses share its
// key and stay together in resolver order (the sort is stable).
class SendmailHash final : public LevelPolicy {
 public:
  explicit SendmailHash(std::uint64_t seed) : seed_(seed) {}
  std::string_view name() const override { return "sendmail-hash"; }

 protected:
  void order_level(std::span<const dns::Target> targets, std::uint32_t* level, std::size_t n, double,
                   util::Rng&) override {
    sort_level_by(level, n, [&](std::uint32_t i) {
      // (hash, host): a hash collision still keeps each host's addresses together.
      return std::pair{sendmail_key(seed_, targets[i].host), targets[i].host};
    });
  }

 private:
  std::uint64_t seed_;
};

// In-flight attempts of this MTA, by server.
class InFlight {
 public:
  explicit InFlight(std::uint32_t servers) : count_(servers, 0) {}
  std::uint32_t operator[](std::uint32_t server) const { return server < count_.size() ? count_[server] : 0; }
  void start(std::uint32_t server) {
    if (server >= count_.size()) count_.resize(server + 1, 0);
    ++count_[server];
  }
  void end(std::uint32_t server) {
    if (server < count_.size() && count_[server] > 0) --count_[server];
  }

 private:
  std::vector<std::uint32_t> count_;
};

// Fewest of this MTA's own attempts in flight first; ties in random order
// (shuffle, then a stable sort by the count).
class LeastConnections final : public LevelPolicy {
 public:
  explicit LeastConnections(std::uint32_t servers) : in_flight_(servers) {}
  std::string_view name() const override { return "least-connections"; }
  void on_attempt_start(std::uint32_t server, double) override { in_flight_.start(server); }
  void on_attempt_end(std::uint32_t server, double, Result, double) override { in_flight_.end(server); }

 protected:
  void order_level(std::span<const dns::Target> targets, std::uint32_t* level, std::size_t n, double,
                   util::Rng& rng) override {
    shuffle(level, n, rng);
    sort_level_by(level, n, [&](std::uint32_t i) { return in_flight_[targets[i].address]; });
  }

 private:
  InFlight in_flight_;
};

// The power of two choices (Mitzenmacher): two distinct random addresses of
// the level, the one with fewer of this MTA's attempts in flight first (the
// first drawn on a tie), the rest in random order. The two are drawn without
// replacement (the first two places of a Fisher-Yates): drawn with
// replacement, both are the same address one time in n, and that pick is
// plain uniform random; for a two-host level that is half of all picks.
class PowerOfTwo final : public LevelPolicy {
 public:
  explicit PowerOfTwo(std::uint32_t servers) : in_flight_(servers) {}
  std::string_view name() const override { return "power-of-two"; }
  void on_attempt_start(std::uint32_t server, double) override { in_flight_.start(server); }
  void on_attempt_end(std::uint32_t server, double, Result, double) override { in_flight_.end(server); }

 protected:
  void order_level(std::span<const dns::Target> targets, std::uint32_t* level, std::size_t n, double,
                   util::Rng& rng) override {
    shuffle(level, n, rng);
    if (in_flight_[targets[level[1]].address] < in_flight_[targets[level[0]].address]) std::swap(level[0], level[1]);
  }

 private:
  InFlight in_flight_;
};

// Finagle's PeakEwma: per server, an exponentially weighted moving average of
// this MTA's observed attempt latency that jumps to any higher observation
// (the peak) and decays with time constant tau. Finagle decays the value on
// every read; here the read is a pure function of time, value(now) = cost x
// exp(-(now - stamp) / tau), so an avoided host drifts back to 0 and is
// probed again. Rank = value x (in flight + 1), lowest first; a server never
// observed but with attempts in flight ranks behind every observed one
// (Finagle's penalty); ties in random order. Every attempt is observed with
// the time it took: a timeout weighs heavily, a fast refusal or 421 looks
// fast (wrap the policy in health-aware to skip hosts that fail fast).
class PeakEwma final : public LevelPolicy {
 public:
  PeakEwma(std::uint32_t servers, double tau) : in_flight_(servers), ewma_(servers), tau_(tau) {}
  std::string_view name() const override { return "peak-ewma"; }
  void on_attempt_start(std::uint32_t server, double) override { in_flight_.start(server); }
  void on_attempt_end(std::uint32_t server, double now, Result, double latency_s) override {
    in_flight_.end(server);
    if (server >= ewma_.size()) ewma_.resize(server + 1);
    auto& e = ewma_[server];
    const double w = std::exp(-std::max(now - e.stamp, 0.0) / tau_);
    const double current = e.cost * w;
    e.cost = latency_s > current ? latency_s : current + latency_s * (1.0 - w);
    e.stamp = now;
  }

 protected:
  void order_level(std::span<const dns::Target> targets, std::uint32_t* level, std::size_t n, double now,
                   util::Rng& rng) override {
    shuffle(level, n, rng);
    if (scores_.size() < targets.size()) scores_.resize(targets.size());
    for (std::size_t i = 0; i < n; ++i) scores_[level[i]] = score(targets[level[i]].address, now);
    sort_level_by(level, n, [&](std::uint32_t i) { return scores_[i]; });
  }

 private:
  static constexpr double kPenalty = 1e9;  // s: behind any latency actually seen

  double score(std::uint32_t server, double now) const {
    const double pending = in_flight_[server];
    double value = 0;
    if (server < ewma_.size()) {
      const auto& e = ewma_[server];
      value = e.cost * std::exp(-std::max(now - e.stamp, 0.0) / tau_);
    }
    if (value == 0 && pending > 0) return kPenalty + pending;
    return value * (pending + 1);
  }

  struct Ewma {
    double cost = 0;
    double stamp = 0;
  };
  InFlight in_flight_;
  std::vector<Ewma> ewma_;
  double tau_;
  std::vector<double> scores_;  // by target index, scratch
};

// A circuit breaker per server around any other policy (Envoy's outlier
// detection, Exim's per-host retry record, per MTA): after `failures`
// consecutive failed attempts the host is skipped (moved to the end of its
// level, never dropped, never below a worse level) for `backoff_s`. When the
// skip has elapsed, one attempt is let through as a probe (the host stays
// skipped while it is in flight): a success closes the breaker, a failure
// skips the host again for twice as long, up to `max_backoff_s`.
class HealthAware final : public Policy {
 public:
  HealthAware(std::unique_ptr<Policy> inner, const PolicyContext& context)
      : inner_(std::move(inner)),
        name_(fmt::format("{}:{}", kHealthAware, inner_->name())),
        settings_(context.health),
        breakers_(context.servers) {}

  std::string_view name() const override { return name_; }

  void order(std::span<const dns::Target> targets, double now, util::Rng& rng, std::uint32_t limit,
             std::vector<std::uint32_t>& order) override {
    inner_->order(targets, now, rng, 0, order);
    if (skipped_.capacity() < targets.size()) skipped_.reserve(targets.size());  // grows with the MX set only
    if (open_ > 0) {
      for_each_level(targets, order, [&](std::uint32_t* level, std::size_t n) {
        // Stable partition: healthy hosts first, skipped ones after, each in the inner order.
        skipped_.clear();
        std::size_t kept = 0;
        for (std::size_t i = 0; i < n; ++i) {
          if (skipped(targets[level[i]].address, now)) {
            skipped_.push_back(level[i]);
          } else {
            level[kept++] = level[i];
          }
        }
        std::copy(skipped_.begin(), skipped_.end(), level + kept);
      });
    }
    cut(order, limit);
  }

  void on_attempt_start(std::uint32_t server, double now) override {
    inner_->on_attempt_start(server, now);
    auto& b = breaker(server);
    if (b.failures >= settings_.failures && now >= b.open_until) b.probing = true;
  }

  void on_attempt_end(std::uint32_t server, double now, Result result, double latency_s) override {
    inner_->on_attempt_end(server, now, result, latency_s);
    auto& b = breaker(server);
    const bool was_open = b.failures >= settings_.failures;
    b.probing = false;
    if (result == Result::success || result == Result::answered) {
      b = Breaker{};
      if (was_open) --open_;
      return;
    }
    ++b.failures;
    if (b.failures == settings_.failures) {
      ++open_;
      b.backoff = settings_.backoff_s;
      b.open_until = now + b.backoff;
    } else if (was_open && now >= b.open_until) {
      // A failed probe (or an attempt that ended after the skip ran out).
      b.backoff = std::min(2 * b.backoff, settings_.max_backoff_s);
      b.open_until = now + b.backoff;
    }
  }

 private:
  struct Breaker {
    std::uint32_t failures = 0;  // consecutive
    double open_until = 0;
    double backoff = 0;
    bool probing = false;
  };

  Breaker& breaker(std::uint32_t server) {
    if (server >= breakers_.size()) breakers_.resize(server + 1);
    return breakers_[server];
  }
  bool skipped(std::uint32_t server, double now) const {
    if (server >= breakers_.size()) return false;
    const auto& b = breakers_[server];
    return b.failures >= settings_.failures && (now < b.open_until || b.probing);
  }

  std::unique_ptr<Policy> inner_;
  std::string name_;
  HealthSettings settings_;
  std::vector<Breaker> breakers_;
  std::uint32_t open_ = 0;                // breakers open or probing: 0 skips the partition pass
  std::vector<std::uint32_t> skipped_;   // scratch
};

std::string known_names() {
  std::string out;
  for (const auto& p : policies()) out += (out.empty() ? "" : ", ") + p.name;
  return out + fmt::format(", {}:NAME", kHealthAware);
}

std::unique_ptr<Policy> make_base(std::string_view name, const PolicyContext& c) {
  if (name == "rfc5321-shuffle") return std::make_unique<Rfc5321Shuffle>();
  if (name == "postfix-shuffle") return std::make_unique<PostfixShuffle>();
  if (name == "ordered") return std::make_unique<Ordered>();
  if (name == "round-robin") return std::make_unique<RoundRobin>();
  if (name == "weighted") return std::make_unique<Weighted>(c.weights);
  if (name == "sendmail-hash") return std::make_unique<SendmailHash>(c.seed);
  if (name == "least-connections") return std::make_unique<LeastConnections>(c.servers);
  if (name == "power-of-two") return std::make_unique<PowerOfTwo>(c.servers);
  if (name == "peak-ewma") return std::make_unique<PeakEwma>(c.servers, c.ewma_decay_s);
  return nullptr;
}

}  // namespace

const std::vector<PolicyInfo>& policies() {
  static const std::vector<PolicyInfo> list{
      {"rfc5321-shuffle",
       "exchanges of a level in uniformly random order, a host's addresses together in resolver order (RFC 5321 5.1)",
       false},
      {"postfix-shuffle", "every address shuffled, then stable-sorted by preference (Postfix smtp_addr.c)", false},
      {"ordered", "zone order within a level, no randomization (what a broken MTA does)", false},
      {"round-robin", "per MTA, each level's addresses rotated by one at every pick, from a random start", false},
      {"weighted", "RFC 2782 weighted random order within a level, weights from servers: {h: {weight: W}}", false},
      {"sendmail-hash", "exchanges sorted by a hash of their name seeded once per MTA: stable per MTA (Sendmail mxrand)",
       false},
      {"least-connections", "fewest of this MTA's own attempts in flight first, ties in random order", true},
      {"power-of-two",
       "two distinct random addresses of a level, the one with fewer of this MTA's attempts in flight first", true},
      {"peak-ewma", "lowest peak-EWMA of this MTA's observed attempt latency x (in flight + 1) first (Finagle)", true},
      {"health-aware",
       "circuit breaker around another policy (health-aware:NAME; alone: rfc5321-shuffle): a host that failed 3 times "
       "in a row goes to the end of its level for 60 s, doubled per failed probe up to 960 s",
       true},
  };
  return list;
}

std::vector<std::string> policy_names() {
  std::vector<std::string> out;
  for (const auto& p : policies()) out.push_back(p.name);
  return out;
}

bool is_policy(std::string_view name) {
  try {
    return make_policy(name, PolicyContext{}) != nullptr;
  } catch (const std::invalid_argument&) {
    return false;
  }
}

std::unique_ptr<Policy> make_policy(std::string_view name, const PolicyContext& context) {
  if (name.substr(0, kHealthAware.size()) == kHealthAware) {
    std::string_view inner = kHealthDefaultInner;
    if (name.size() > kHealthAware.size()) {
      if (name[kHealthAware.size()] != ':')
        throw std::invalid_argument(fmt::format("unknown selection policy \"{}\"; known: {}", name, known_names()));
      inner = name.substr(kHealthAware.size() + 1);
    }
    auto wrapped = make_base(inner, context);
    if (!wrapped)
      throw std::invalid_argument(fmt::format("health-aware wraps another policy, and \"{}\" is none; known: {}", inner,
                                              known_names()));
    return std::make_unique<HealthAware>(std::move(wrapped), context);
  }
  auto policy = make_base(name, context);
  if (!policy) throw std::invalid_argument(fmt::format("unknown selection policy \"{}\"; known: {}", name, known_names()));
  return policy;
}

}  // namespace mxsim::selection
