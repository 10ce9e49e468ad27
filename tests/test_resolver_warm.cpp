// Resolvers started in steady state: each cached RRset holds a remaining TTL
// uniform over (0, TTL], so a population of resolvers sees an MX change as a
// ramp over one TTL rather than a step; and one resolver can serve several MTAs.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "dns/resolver.hpp"
#include "dns/zone.hpp"
#include "util/random.hpp"

namespace mxsim::dns {
namespace {

const ServfailSet kNoFailures{};
Location at(int line) { return Location{"scenario.yaml", line, 1}; }

constexpr double kTtl = 3600;  // the MX RRset's TTL

// Two exchanges with A records of other TTLs; no AAAA, so the AAAA lookups
// are NODATA cached for the SOA's negative TTL (600 s).
constexpr const char* kZone =
    "$ORIGIN example.com.\n$TTL 3600\n"
    "@ IN SOA ns hm 1 2 3 4 600\n"
    "@ IN MX 10 mx1\n@ IN MX 20 mx2\n"
    "mx1 300 IN A 192.0.2.1\n"
    "mx2 900 IN A 192.0.2.2\n"
    "mx3 IN A 192.0.2.3\n";

struct Warmed {
  ZoneDb db = ZoneDb::parse(kZone, at(1));
  NameId domain = db.find_name("example.com.");
};

// The binomial tolerance of a fraction over n trials: 4 standard deviations.
double tolerance(double p, int n) { return 4 * std::sqrt(p * (1 - p) / n); }

TEST(ResolverWarm, MxExpiriesUniformOverOneTtl) {
  Warmed w;
  constexpr int kResolvers = 200;
  const double quarters[] = {0.25, 0.5, 0.75};
  int before[3] = {0, 0, 0};
  for (int i = 0; i < kResolvers; ++i) {
    Resolver r(&w.db);
    util::Rng rng = util::Rng::derive(2024, 7, static_cast<std::uint64_t>(i));
    r.warm(w.domain, 0, rng);
    const double mx_expires = r.lookup(w.domain, Type::MX, 0, kNoFailures).expires;
    ASSERT_GT(mx_expires, 0);
    ASSERT_LE(mx_expires, kTtl);
    for (int q = 0; q < 3; ++q)
      if (mx_expires < quarters[q] * kTtl) ++before[q];
  }
  for (int q = 0; q < 3; ++q) {
    const double share = static_cast<double>(before[q]) / kResolvers;
    EXPECT_NEAR(share, quarters[q], tolerance(quarters[q], kResolvers)) << "before " << quarters[q] << " TTL";
  }
}

// Each part has its own remaining TTL within its own TTL; the resolution
// expires with the first; the fill costs no query and the next resolve_mx
// is a cache hit.
TEST(ResolverWarm, EachRrsetAgedWithinItsTtlAndTheResolutionExpiresFirst) {
  Warmed w;
  const NameId mx1 = w.db.find_name("mx1.example.com.");
  const NameId mx2 = w.db.find_name("mx2.example.com.");
  util::Rng rng(99);
  Resolver r(&w.db);
  r.warm(w.domain, 100, rng);
  EXPECT_EQ(r.queries(), 0u);
  struct Part {
    NameId name;
    Type type;
    double ttl;
  };
  // Everything the resolution reads: the NODATA answers for AAAA send it on
  // to look for a CNAME at the exchange, NODATA again (negative TTL 600 s).
  const Part parts[] = {{w.domain, Type::MX, 3600}, {mx1, Type::A, 300},       {mx2, Type::A, 900},
                        {mx1, Type::AAAA, 600},     {mx2, Type::AAAA, 600},    {mx1, Type::CNAME, 600},
                        {mx2, Type::CNAME, 600}};
  double first = 1e300;
  std::vector<double> expiries;
  for (const auto& p : parts) {
    const double e = r.lookup(p.name, p.type, 100, kNoFailures).expires;
    EXPECT_GT(e, 100);
    EXPECT_LE(e, 100 + p.ttl);
    first = std::min(first, e);
    expiries.push_back(e);
  }
  EXPECT_EQ(r.queries(), 0u);
  const Resolution& res = r.resolve_mx(w.domain, 100, kNoFailures);
  EXPECT_EQ(r.queries(), 0u);
  EXPECT_EQ(res.status, Status::ok);
  EXPECT_EQ(res.targets.size(), 2u);
  EXPECT_EQ(res.expires, first);
  // Independent draws: no two parts share a remaining fraction.
  std::sort(expiries.begin(), expiries.end());
  EXPECT_EQ(std::adjacent_find(expiries.begin(), expiries.end()), expiries.end());

  // Past the first expiry the resolution is rebuilt: that part is asked
  // again, the others still come from the cache.
  r.resolve_mx(w.domain, first, kNoFailures);
  EXPECT_EQ(r.queries(), 1u);
}

// The same stream gives the same cache: draws follow the lookup order, not
// the hash map's.
TEST(ResolverWarm, SameStreamSameCache) {
  Warmed w;
  util::Rng a(5), b(5);
  Resolver ra(&w.db), rb(&w.db);
  ra.warm(w.domain, 0, a);
  rb.warm(w.domain, 0, b);
  EXPECT_EQ(ra.resolve_mx(w.domain, 0, kNoFailures).expires, rb.resolve_mx(w.domain, 0, kNoFailures).expires);
  EXPECT_EQ(ra.lookup(w.domain, Type::MX, 0, kNoFailures).expires,
            rb.lookup(w.domain, Type::MX, 0, kNoFailures).expires);
  EXPECT_EQ(a.next(), b.next());
}

// An MX moved at t = 0: warmed resolvers switch over one TTL, in proportion
// to the time since the change (the A records expiring earlier rebuild the
// resolution from the still-cached old MX); cold ones all switch at the TTL.
TEST(ResolverWarm, AnMxChangeIsARampOverOneTtl) {
  Warmed w;
  const std::size_t update = w.db.add_update("@ IN MX 10 mx3\n", at(40));
  const NameId mx3 = w.db.find_name("mx3.example.com.");
  constexpr int kResolvers = 200;
  std::vector<Resolver> warm, cold;
  for (int i = 0; i < kResolvers; ++i) {
    warm.emplace_back(&w.db);
    util::Rng rng = util::Rng::derive(77, static_cast<std::uint64_t>(i));
    warm.back().warm(w.domain, 0, rng);
    cold.emplace_back(&w.db);
    cold.back().resolve_mx(w.domain, 0, kNoFailures);
  }
  w.db.apply_update(update);
  auto share_on_new = [&](std::vector<Resolver>& resolvers, double t) {
    int moved = 0;
    for (auto& r : resolvers) {
      const Resolution& res = r.resolve_mx(w.domain, t, kNoFailures);
      if (!res.targets.empty() && res.targets.front().host == mx3) ++moved;
    }
    return static_cast<double>(moved) / kResolvers;
  };
  for (double q : {0.25, 0.5, 0.75}) {
    EXPECT_NEAR(share_on_new(warm, q * kTtl), q, tolerance(q, kResolvers)) << q << " TTL after the change";
    EXPECT_EQ(share_on_new(cold, q * kTtl), 0) << "cold caches hold the old MX for a whole TTL";
  }
  EXPECT_EQ(share_on_new(warm, kTtl), 1);
  EXPECT_EQ(share_on_new(cold, kTtl), 1);
}

// Several MTAs on one resolver: what one caches the other reads, and the
// resolution one got stays what it was while another asks about another
// domain (callers copy the targets before the next call for the same domain).
TEST(ResolverWarm, OneResolverServesSeveralMtas) {
  ZoneDb db = ZoneDb::parse(
      "$ORIGIN test.\n$TTL 600\na IN MX 10 mx.a\nmx.a IN A 192.0.2.1\nb IN MX 10 mx.b\nmx.b IN A 192.0.2.2\n", at(1));
  const NameId a = db.find_name("a.test.");
  const NameId b = db.find_name("b.test.");
  Resolver shared(&db);
  const Resolution& first = shared.resolve_mx(a, 0, kNoFailures);  // MTA 1
  const auto queries = shared.queries();
  const Resolution& again = shared.resolve_mx(a, 10, kNoFailures);  // MTA 2: a cache hit
  EXPECT_EQ(shared.queries(), queries);
  EXPECT_EQ(&first, &again);
  const std::vector<Target> copied = first.targets;
  for (int i = 0; i < 100; ++i) shared.resolve_mx(b, 20 + i, kNoFailures);  // others, other domains
  EXPECT_EQ(first.targets.size(), copied.size());
  EXPECT_EQ(first.targets.front().address, copied.front().address);
}

}  // namespace
}  // namespace mxsim::dns
