// The balancing policies: round-robin, weighted, and the ones that rank by
// what this MTA saw of its own attempts (least-connections, power-of-two,
// peak-ewma, the health-aware breaker). Where one follows a known
// implementation, the comment says which.
#include "selection/policy_parts.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

namespace mxsim::selection {
namespace {

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
    sort_by(level, n, [&](std::uint32_t i) { return in_flight_[targets[i].address]; });
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
    sort_by(level, n, [&](std::uint32_t i) { return scores_[i]; });
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

}  // namespace

std::unique_ptr<Policy> make_round_robin(const PolicyContext&) { return std::make_unique<RoundRobin>(); }
std::unique_ptr<Policy> make_weighted(const PolicyContext& c) { return std::make_unique<Weighted>(c.weights); }
std::unique_ptr<Policy> make_least_connections(const PolicyContext& c) {
  return std::make_unique<LeastConnections>(c.servers);
}
std::unique_ptr<Policy> make_power_of_two(const PolicyContext& c) { return std::make_unique<PowerOfTwo>(c.servers); }
std::unique_ptr<Policy> make_peak_ewma(const PolicyContext& c) {
  return std::make_unique<PeakEwma>(c.servers, c.ewma_decay_s);
}
std::unique_ptr<Policy> make_health_aware(std::unique_ptr<Policy> inner, const PolicyContext& context) {
  return std::make_unique<HealthAware>(std::move(inner), context);
}

}  // namespace mxsim::selection
