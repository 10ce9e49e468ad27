// The per-MTA caching resolver: RRsets and negative answers cached for their
// TTL, and MX resolutions assembled from those cached pieces, so a zone
// update reaches a sender only once what it cached has expired.
#include "dns/resolver.hpp"

#include <algorithm>
#include <limits>
#include <unordered_map>

namespace mxsim::dns {

namespace {

std::uint64_t cache_key(NameId name, Type type) {
  return (static_cast<std::uint64_t>(name) << 2) | static_cast<std::uint64_t>(type);
}

bool fails(const ZoneDb& db, NameId name, const ServfailSet& servfail) {
  for (NameId domain : servfail.domains) {
    if (db.is_at_or_below(name, domain)) return true;
  }
  return false;
}

void add_once(std::vector<NameId>& names, NameId name) {
  if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
}

}  // namespace

Resolver::Lookup Resolver::lookup(NameId name, Type type, double now, const ServfailSet& servfail) {
  Lookup out;
  const std::uint64_t key = cache_key(name, type);
  auto it = rrsets_.find(key);
  // A valid cached answer needs no query, so a failing server does not
  // matter to it: that is how a cache rides out an outage.
  if (it != rrsets_.end() && now < it->second.expires) {
    out.answer = it->second.answer;
    out.expires = it->second.expires;
    return out;
  }
  ++queries_;
  if (!servfail.domains.empty() && fails(*db_, name, servfail)) {
    // A failed query leaves nothing behind: the next one asks again.
    out.servfail = true;
    out.expires = now;
    return out;
  }
  CachedAnswer& cached = it != rrsets_.end() ? it->second : rrsets_[key];
  if (fetched_) fetched_->push_back(key);
  cached.answer = db_->lookup(name, type);
  // RFC 2308 §5: NXDOMAIN and NODATA live for the SOA's negative TTL; with
  // no SOA that is 0, i.e. the answer is used once and asked again.
  const std::uint32_t ttl = cached.answer.rrset ? cached.answer.rrset->ttl : cached.answer.negative_ttl;
  cached.expires = now + ttl;
  out.answer = cached.answer;
  out.expires = cached.expires;
  return out;
}

const Resolution& Resolver::resolve_mx(NameId domain, double now, const ServfailSet& servfail) {
  Resolution& r = resolutions_[domain];
  if (now < r.expires &&
      (!r.uncached_part ||
       (r.zone_version == db_->version() && r.servfail_generation == servfail.generation)))
    return r;

  // Rebuilt in place: the vectors keep their capacity from the last build.
  r.status = Status::ok;
  r.implicit_mx = false;
  r.targets.clear();
  r.cname_followed.clear();
  double expires = std::numeric_limits<double>::infinity();
  bool any_servfail = false;
  bool uncached = false;
  // An answer that expires at once was not cached: it is noted instead of
  // bounding the result's lifetime (see Resolution::uncached_part).
  auto bound = [&](const Lookup& l) {
    if (!l.servfail && l.expires <= now) {
      uncached = true;
    } else {
      expires = std::min(expires, l.expires);
    }
  };

  // A lookup that follows a CNAME at the name while the wanted type is
  // absent, at most kMaxCnameDepth hops; a longer chain or a loop ends with
  // too_deep set. The name whose CNAME was followed is noted once.
  struct Followed {
    Lookup last;
    bool too_deep = false;
  };
  auto follow = [&](NameId start, Type type) {
    Followed f;
    NameId name = start;
    for (int hops = 0;; ++hops) {
      f.last = lookup(name, type, now, servfail);
      bound(f.last);
      if (f.last.servfail || f.last.answer.rrset || f.last.answer.rcode == Rcode::nxdomain) return f;
      const Lookup alias = lookup(name, Type::CNAME, now, servfail);
      bound(alias);
      if (alias.servfail) {
        f.last = alias;
        return f;
      }
      if (!alias.answer.rrset) return f;  // NODATA, no alias: the final answer
      if (hops == kMaxCnameDepth) {
        f.too_deep = true;
        return f;
      }
      add_once(r.cname_followed, start);
      name = alias.answer.rrset->cname;
    }
  };

  // The A then AAAA records of one host, each in zone order.
  auto add_addresses = [&](NameId host, NameId written, std::uint16_t preference) {
    for (Type type : {Type::A, Type::AAAA}) {
      const Followed f = follow(host, type);
      if (f.last.servfail) {
        any_servfail = true;
        continue;
      }
      if (f.too_deep || !f.last.answer.rrset) continue;
      for (AddressId address : f.last.answer.rrset->addresses) r.targets.push_back({preference, written, address});
    }
  };

  auto finish = [&](Status status) -> const Resolution& {
    r.status = status;
    r.expires = any_servfail ? now : expires;
    r.uncached_part = uncached;
    r.zone_version = db_->version();
    r.servfail_generation = servfail.generation;
    return r;
  };

  const Followed mx = follow(domain, Type::MX);
  if (mx.last.servfail) {
    any_servfail = true;
    return finish(Status::servfail);
  }
  // A CNAME chain too long at the domain is what recursive resolvers answer
  // SERVFAIL for: the sender defers, but the pieces are cached as usual.
  if (mx.too_deep) return finish(Status::servfail);
  if (mx.last.answer.rcode == Rcode::nxdomain) return finish(Status::nxdomain);

  if (const RrsetPtr& set = mx.last.answer.rrset) {
    const NameId root = db_->root();
    if (set->mx.size() == 1 && set->mx.front().exchange == root) return finish(Status::null_mx);
    // An exchange listed twice is resolved once, at its best preference,
    // where it first appears: its addresses would otherwise be tried twice.
    // A large set is deduplicated by hash: the pairwise scan, cheapest for
    // the few records of a real set, made one lookup of 10^5 records cost 30 s.
    constexpr std::size_t kScanAtMost = 16;
    std::unordered_map<NameId, std::uint16_t> best;
    if (set->mx.size() > kScanAtMost)
      for (const Mx& record : set->mx) {
        auto [it, fresh] = best.try_emplace(record.exchange, record.preference);
        if (!fresh) it->second = std::min(it->second, record.preference);
      }
    for (std::size_t i = 0; i < set->mx.size(); ++i) {
      const Mx& record = set->mx[i];
      // RFC 7505 §3: a null MX beside others is malformed; the others still
      // name real hosts, so only the "." is dropped.
      if (record.exchange == root) continue;
      std::uint16_t preference = record.preference;
      if (set->mx.size() > kScanAtMost) {
        auto it = best.find(record.exchange);
        if (it == best.end()) continue;  // resolved already, at its first appearance
        preference = it->second;
        best.erase(it);
      } else {
        bool seen = false;
        for (std::size_t j = 0; j < set->mx.size(); ++j) {
          if (set->mx[j].exchange != record.exchange) continue;
          if (j < i) seen = true;
          preference = std::min(preference, set->mx[j].preference);
        }
        if (seen) continue;
      }
      add_addresses(record.exchange, record.exchange, preference);
    }
    if (!r.targets.empty()) return finish(Status::ok);
    return finish(any_servfail ? Status::servfail : Status::no_address);
  }

  // RFC 5321 §5.1: no MX records, the domain itself is the implicit MX at
  // preference 0 (following the domain's CNAME again, from the cache).
  r.implicit_mx = true;
  add_addresses(domain, domain, 0);
  if (!r.targets.empty()) return finish(Status::ok);
  return finish(any_servfail ? Status::servfail : Status::no_route);
}

void Resolver::warm(NameId domain, double now, util::Rng& rng) {
  std::vector<std::uint64_t> fetched;
  fetched_ = &fetched;
  const std::uint64_t queries_before = queries_;
  resolve_mx(domain, now, ServfailSet{});
  fetched_ = nullptr;
  queries_ = queries_before;

  for (std::uint64_t key : fetched) {
    CachedAnswer& cached = rrsets_.at(key);
    const double ttl = cached.answer.rrset ? cached.answer.rrset->ttl : cached.answer.negative_ttl;
    if (!(ttl > 0)) continue;  // not cached: nothing to age
    // 1 - u lies in (0, 1]: a remaining TTL of exactly TTL is an answer
    // fetched at `now`, one of 0 would already be gone.
    cached.expires = now + ttl * (1.0 - rng.uniform());
  }
  // Rebuilt from the aged cache (no query: every part is cached), so the
  // resolution expires with the first of its parts.
  resolutions_[domain].expires = now;
  resolve_mx(domain, now, ServfailSet{});
  queries_ = queries_before;
}

}  // namespace mxsim::dns
