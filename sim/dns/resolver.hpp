// A caching resolver as each sending MTA has one: RRsets are cached for their
// TTL, negative answers per RFC 2308, and the MX resolution of a domain (MX,
// then the address records of each exchange) is assembled from the cache.
#pragma once

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "dns/zone.hpp"
#include "util/random.hpp"

namespace mxsim::dns {

// One address to try: the exchange it belongs to and that exchange's preference.
struct Target {
  std::uint16_t preference = 0;
  NameId host = kNoName;   // the MX exchange as written (before any CNAME)
  AddressId address = 0;
};

enum class Status : std::uint8_t {
  ok,          // targets holds at least one address
  nxdomain,    // the domain does not exist: bounce
  null_mx,     // RFC 7505 "0 .": bounce without connecting
  servfail,    // a lookup failed temporarily: defer
  no_address,  // MX records exist but no exchange has an address: defer
  no_route,    // no MX and no address of the domain itself: bounce
};

struct Resolution {
  Status status = Status::ok;
  bool implicit_mx = false;           // no MX: the domain's own A/AAAA at preference 0
  std::vector<Target> targets;        // sorted by nothing: exchanges in MX-record order,
                                      // each exchange's addresses in resolver order
                                      // (A records, then AAAA)
  std::vector<NameId> cname_followed; // names whose CNAME was followed (for warnings)
  double expires = 0;                 // the result may be reused until this time
  // Some part was an uncached answer (a negative answer without a SOA, RFC
  // 2308): asking again gives the same answer while neither the zone nor the
  // failing domains change, so the result is reused under that condition.
  bool uncached_part = false;
  std::uint64_t zone_version = 0;
  std::uint64_t servfail_generation = 0;
};

// Which names answer SERVFAIL right now (the DNS failure events).
struct ServfailSet {
  std::vector<NameId> domains;  // a query at or below any of these fails
  std::uint64_t generation = 0; // bumped whenever `domains` changes
};

class Resolver {
 public:
  static constexpr int kMaxCnameDepth = 10;

  explicit Resolver(const ZoneDb* db) : db_(db) {}

  // The MX resolution of `domain` at time `now`. The reference stays valid
  // until the next call. A CNAME at the domain itself is followed (RFC 5321
  // §5.1), as is a CNAME at an exchange (RFC 2181 §10.3 forbids it; MTAs
  // follow it anyway), each up to kMaxCnameDepth deep.
  const Resolution& resolve_mx(NameId domain, double now, const ServfailSet& servfail);

  // One cached lookup (exposed for tests). SERVFAIL is never cached.
  struct Lookup {
    bool servfail = false;
    Answer answer;
    double expires = 0;
  };
  Lookup lookup(NameId name, Type type, double now, const ServfailSet& servfail);

  // Starts the cache in steady state for `domain`, as a resolver that has
  // served this domain's mail for a long time holds it: every RRset and
  // negative answer the MX resolution reads (MX, CNAMEs, each exchange's A and
  // AAAA) is cached as fetched before `now`, with a remaining TTL drawn
  // uniformly over (0, TTL] from `rng`, one draw per RRset in lookup order;
  // the resolution then expires with the first of them. Answers that are not
  // cached (TTL 0, a negative answer without a SOA) are left out. The fill is
  // not charged as queries (queries() is unchanged) and sees no SERVFAIL: the
  // answers were fetched while the DNS worked. Call it once per domain on a
  // fresh resolver, before the first resolve_mx.
  //
  // Why independent draws rather than one per answer: the MTA asks for the
  // exchanges' A/AAAA itself, and RFC 2181 §5.4.1 forbids a resolver to return
  // additional-section data as an answer, so the A RRsets are fetched by their
  // own queries; they are cached by name and shared with every other domain
  // whose MX names the same exchange (hosted mail: one exchange, many
  // domains), and their TTLs commonly differ from the MX's (1 h MX, 5 min A).
  // Each is refetched at the first query after it expires, so its phase drifts
  // by a random query gap each time: in steady state the phases are
  // independent. (A resolver used for this one domain only, with equal TTLs,
  // would keep them aligned; no scenario asks for that.)
  void warm(NameId domain, double now, util::Rng& rng);

  std::size_t cache_size() const { return rrsets_.size(); }
  // Queries that missed the cache (what `dns_latency` charges for).
  std::uint64_t queries() const { return queries_; }

 private:
  struct CachedAnswer {
    Answer answer;
    double expires = 0;
  };
  const ZoneDb* db_;
  std::unordered_map<std::uint64_t, CachedAnswer> rrsets_;   // key: name << 2 | type
  std::unordered_map<NameId, Resolution> resolutions_;
  std::uint64_t queries_ = 0;
  // While warm() runs: the keys fetched, in lookup order (the draws follow it,
  // not the hash map's order, so they are the same on every library).
  std::vector<std::uint64_t>* fetched_ = nullptr;
};

}  // namespace mxsim::dns
