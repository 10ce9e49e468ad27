// The orderings of RFC 5321 and of real MTAs, each the default policy of a
// profile in sim/mta: rfc5321-shuffle, postfix-shuffle, exim-random,
// sendmail-hash, opensmtpd-least-loaded; and ordered (no randomization).
#include <cstdint>
#include <utility>

#include "selection/policy_parts.hpp"

namespace mxsim::selection {
namespace {

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

// Exim (src/src/host.c): each exchange gets the key preference*1000 +
// random(500) once per lookup, drawn in resolver order; the list is sorted by
// key (stable: equal keys keep resolver order), and within an exchange IPv6
// addresses come first. The key respects preference, so one sort of the whole
// list keeps the levels.
class EximRandom final : public Policy {
 public:
  explicit EximRandom(std::shared_ptr<const std::vector<std::uint8_t>> ipv6) : ipv6_(std::move(ipv6)) {}
  std::string_view name() const override { return "exim-random"; }

  void order(std::span<const dns::Target> targets, double, util::Rng& rng, std::uint32_t limit,
             std::vector<std::uint32_t>& order) override {
    identity(targets, order);
    if (keys_.size() < targets.size()) keys_.resize(targets.size());  // grows with the MX set only
    for (std::uint32_t i = 0; i < targets.size(); ++i) {
      const std::uint32_t first = first_of_host(targets, i);
      const std::uint64_t host_key =
          first == i ? static_cast<std::uint64_t>(targets[i].preference) * 1000 + rng.below(500) : keys_[first] >> 1;
      // Within an exchange, IPv6 first: the low bit orders the two families.
      const std::uint64_t family = is_ipv6(targets[i].address) ? 0 : 1;
      keys_[i] = host_key << 1 | family;
    }
    sort_by(order.data(), order.size(), [this](std::uint32_t i) { return keys_[i]; });
    cut(order, limit);
  }

 private:
  // Index of the first target of the same exchange: a host's key is drawn once.
  static std::uint32_t first_of_host(std::span<const dns::Target> targets, std::uint32_t i) {
    for (std::uint32_t j = 0; j < i; ++j)
      if (targets[j].host == targets[i].host) return j;
    return i;
  }
  bool is_ipv6(std::uint32_t address) const { return ipv6_ && address < ipv6_->size() && (*ipv6_)[address] != 0; }

  std::shared_ptr<const std::vector<std::uint8_t>> ipv6_;
  std::vector<std::uint64_t> keys_;  // by target index, scratch
};

// Sendmail (sendmail/domain.c getmxrr() and mxrand()): equal-preference
// exchanges sorted by a hash of the exchange seeded once per process, so one
// MTA always tries them in the same order and different MTAs in different
// orders. A host's addresses share its key and stay together in resolver
// order (the sort is stable).
class SendmailHash final : public LevelPolicy {
 public:
  explicit SendmailHash(std::uint64_t seed) : seed_(seed) {}
  std::string_view name() const override { return "sendmail-hash"; }
  void begin_process(std::uint64_t seed) override { seed_ = seed; }

 protected:
  void order_level(std::span<const dns::Target> targets, std::uint32_t* level, std::size_t n, double,
                   util::Rng&) override {
    sort_by(level, n, [&](std::uint32_t i) {
      // (hash, host): were two hosts ever to share a hash, each host's addresses would still stay together.
      return std::pair{sendmail_key(seed_, targets[i].host), targets[i].host};
    });
  }

 private:
  std::uint64_t seed_;
};

// OpenSMTPD (smtpd/mta.c): DNS answer order by preference; within the best
// level, the exchange with the fewest of this MTA's connections in flight
// first (ties keep DNS order). OpenSMTPD keeps no MX cache of its own and asks
// its recursive resolver for each new route; such resolvers rotate or shuffle
// the records of an answer (unbound's rrset-roundrobin, BIND's rrset-order
// cyclic), so the DNS order is modelled as random per lookup among equals.
class OpensmtpdLeastLoaded final : public Policy {
 public:
  explicit OpensmtpdLeastLoaded(std::uint32_t servers) : in_flight_(servers) {}
  std::string_view name() const override { return "opensmtpd-least-loaded"; }
  void on_attempt_start(std::uint32_t server, double) override { in_flight_.start(server); }
  void on_attempt_end(std::uint32_t server, double, Result, double) override { in_flight_.end(server); }

  void order(std::span<const dns::Target> targets, double, util::Rng& rng, std::uint32_t limit,
             std::vector<std::uint32_t>& order) override {
    order_rfc5321_shuffle(targets, rng, 0, order);  // the resolver's order
    if (!order.empty()) {
      // Within the best level, the least-loaded exchange moves to the front.
      const auto best = targets[order.front()].preference;
      std::size_t chosen = 0;
      for (std::size_t k = 1; k < order.size() && targets[order[k]].preference == best; ++k)
        if (in_flight_[targets[order[k]].address] < in_flight_[targets[order[chosen]].address]) chosen = k;
      if (chosen != 0) {
        const auto host = targets[order[chosen]].host;
        // Move that exchange's addresses (in order) to the front of the level.
        std::size_t placed = 0;
        for (std::size_t k = 0; k < order.size() && targets[order[k]].preference == best; ++k) {
          if (targets[order[k]].host != host) continue;
          const auto item = order[k];
          for (std::size_t m = k; m > placed; --m) order[m] = order[m - 1];
          order[placed++] = item;
        }
      }
    }
    cut(order, limit);
  }

 private:
  InFlight in_flight_;
};

}  // namespace

std::unique_ptr<Policy> make_rfc5321_shuffle(const PolicyContext&) { return std::make_unique<Rfc5321Shuffle>(); }
std::unique_ptr<Policy> make_postfix_shuffle(const PolicyContext&) { return std::make_unique<PostfixShuffle>(); }
std::unique_ptr<Policy> make_ordered(const PolicyContext&) { return std::make_unique<Ordered>(); }
std::unique_ptr<Policy> make_exim_random(const PolicyContext& c) { return std::make_unique<EximRandom>(c.ipv6); }
std::unique_ptr<Policy> make_sendmail_hash(const PolicyContext& c) { return std::make_unique<SendmailHash>(c.seed); }
std::unique_ptr<Policy> make_opensmtpd_least_loaded(const PolicyContext& c) {
  return std::make_unique<OpensmtpdLeastLoaded>(c.servers);
}

}  // namespace mxsim::selection
