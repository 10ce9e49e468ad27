// Inside sim/selection: the parts the policy classes share (a base that
// reorders level by level, a per-server in-flight count) and the factory of
// each policy, which registry.cpp names. Not for use outside this folder.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "selection/policy.hpp"
#include "selection/steps.hpp"

namespace mxsim::selection {

inline constexpr std::string_view kHealthAware = "health-aware";

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

// Attempts of this MTA in flight, by server: +1 at on_attempt_start, -1 at
// on_attempt_end (the model calls them once per connection).
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

// The orderings of the RFC and of real MTAs (mta_policies.cpp).
std::unique_ptr<Policy> make_rfc5321_shuffle(const PolicyContext& context);
std::unique_ptr<Policy> make_postfix_shuffle(const PolicyContext& context);
std::unique_ptr<Policy> make_ordered(const PolicyContext& context);
std::unique_ptr<Policy> make_exim_random(const PolicyContext& context);
std::unique_ptr<Policy> make_sendmail_hash(const PolicyContext& context);
std::unique_ptr<Policy> make_opensmtpd_least_loaded(const PolicyContext& context);

// The balancing policies (balancing_policies.cpp).
std::unique_ptr<Policy> make_round_robin(const PolicyContext& context);
std::unique_ptr<Policy> make_weighted(const PolicyContext& context);
std::unique_ptr<Policy> make_least_connections(const PolicyContext& context);
std::unique_ptr<Policy> make_power_of_two(const PolicyContext& context);
std::unique_ptr<Policy> make_peak_ewma(const PolicyContext& context);
// A circuit breaker around `inner`, named health-aware:<inner's name>.
std::unique_ptr<Policy> make_health_aware(std::unique_ptr<Policy> inner, const PolicyContext& context);

}  // namespace mxsim::selection
