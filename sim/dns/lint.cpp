// The MX checks of `mxsim validate`, each at the offending MX record.
// "error": senders cannot use the record as meant (no address, malformed null
// MX, an address for a name); "warning": delivery works, but not as well as
// the operator thinks (CNAME target, duplicate, no redundancy).
#include "dns/lint.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "dns/resolver.hpp"

namespace mxsim::dns {

namespace {

struct Chain {
  bool alias = false;        // the name itself is a CNAME
  NameId first_target = kNoName;
  bool has_address = false;  // an A or AAAA at the end of the chain
  NameId end = kNoName;      // the name that owns the addresses
};

// Follows CNAMEs as MTAs do (Resolver::kMaxCnameDepth deep) to see whether
// the name ends at an address.
Chain follow(const ZoneDb& db, NameId name) {
  Chain chain;
  for (int hops = 0; hops <= Resolver::kMaxCnameDepth; ++hops) {
    if (db.lookup(name, Type::A).rrset || db.lookup(name, Type::AAAA).rrset) {
      chain.has_address = true;
      chain.end = name;
      return chain;
    }
    const RrsetPtr alias = db.lookup(name, Type::CNAME).rrset;
    if (!alias) return chain;
    if (hops == 0) {
      chain.alias = true;
      chain.first_target = alias->cname;
    }
    name = alias->cname;
  }
  return chain;
}

// The addresses a name owns now, A before AAAA, in zone order.
std::vector<AddressId> addresses_now(const ZoneDb& db, NameId name) {
  std::vector<AddressId> out;
  for (Type type : {Type::A, Type::AAAA})
    if (const RrsetPtr set = db.lookup(name, type).rrset)
      out.insert(out.end(), set->addresses.begin(), set->addresses.end());
  return out;
}

std::vector<std::string> labels_of(const std::string& name) {
  std::vector<std::string> labels;
  std::size_t start = 0;
  while (start < name.size()) {
    const std::size_t dot = std::min(name.find('.', start), name.size());
    labels.push_back(name.substr(start, dot - start));
    start = dot + 1;
  }
  return labels;
}

// An MX target written as an address: "10 192.0.2.5." is the name
// 192.0.2.5, and "10 192.0.2.5" (relative) became 192.0.2.5.<origin>. The
// address as written, or empty. named-checkzone -m looks at the same text.
std::string address_in_name(const std::string& name) {
  const auto labels = labels_of(name);
  unsigned char buffer[16];
  if (!labels.empty() && labels[0].find(':') != std::string::npos &&
      inet_pton(AF_INET6, labels[0].c_str(), buffer) == 1)
    return labels[0];
  if (labels.size() < 4) return {};
  if (name.size() >= 13 && name.compare(name.size() - 13, 13, "in-addr.arpa.") == 0) return {};
  const std::string quad = fmt::format("{}.{}.{}.{}", labels[0], labels[1], labels[2], labels[3]);
  const bool digits = std::all_of(quad.begin(), quad.end(), [](char c) {
    return c == '.' || std::isdigit(static_cast<unsigned char>(c)) != 0;
  });
  return digits && inet_pton(AF_INET, quad.c_str(), buffer) == 1 ? quad : std::string();
}

std::string joined(const std::vector<std::string>& words) {
  std::string out;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i > 0) out += i + 1 == words.size() ? " and " : ", ";
    out += words[i];
  }
  return out;
}

Fact fact(std::string key, std::string value) { return {std::move(key), std::move(value)}; }
Fact fact(std::string key, bool value) { return {std::move(key), value}; }

}  // namespace

std::string subnet_of(const std::string& address) {
  unsigned char bytes[16] = {};
  char text[INET6_ADDRSTRLEN];
  if (inet_pton(AF_INET, address.c_str(), bytes) == 1) {
    bytes[3] = 0;
    return inet_ntop(AF_INET, bytes, text, sizeof text) ? fmt::format("{}/24", text) : std::string();
  }
  if (inet_pton(AF_INET6, address.c_str(), bytes) == 1) {
    std::fill(bytes + 6, bytes + 16, 0);
    return inet_ntop(AF_INET6, bytes, text, sizeof text) ? fmt::format("{}/48", text) : std::string();
  }
  return {};
}

std::vector<Finding> lint_zone(const ZoneDb& db) {
  std::vector<Finding> findings;
  const NameId root = db.root();
  auto add = [&](const char* check, const char* severity, const Location& where, std::string message,
                 const char* rfc, std::vector<Fact> facts) {
    findings.push_back(Finding{check, severity, where, std::move(message), rfc, std::move(facts)});
  };

  for (const auto& [owner, set] : db.all(Type::MX)) {
    const std::string& domain = db.name(owner);
    const bool has_real = std::any_of(set->mx.begin(), set->mx.end(), [&](const Mx& m) { return m.exchange != root; });
    // For the redundancy checks: which MX names reach each address, and the
    // record that listed each name first.
    std::map<AddressId, std::vector<NameId>> names_by_address;
    std::map<NameId, const Mx*> first_record;
    // Hash look-ups, not scans of what came before: 10^5 MX records of one
    // name, or 2x10^5 names on one address, stay near-linear.
    std::unordered_map<NameId, const Mx*> first_listing;
    std::unordered_set<std::uint64_t> listed_pairs;  // address << 32 | name

    for (std::size_t i = 0; i < set->mx.size(); ++i) {
      const Mx& mx = set->mx[i];
      const std::string& exchange = db.name(mx.exchange);
      auto about = [&](std::vector<Fact> more = {}) {
        std::vector<Fact> facts{fact("domain", domain), fact("target", exchange)};
        facts.insert(facts.end(), more.begin(), more.end());
        return facts;
      };

      const auto [listing, first_time] = first_listing.try_emplace(mx.exchange, &mx);
      if (!first_time) {
        const Mx* earlier = listing->second;
        add("duplicate-mx", "warning", mx.where,
            fmt::format("{} lists MX {} twice (preferences {} and {}): senders try it once, at the better "
                        "preference, so the second record only hides what was meant (a typo for another "
                        "host?); an RRset holds each record once (RFC 2181 §5)",
                        domain, exchange, earlier->preference, mx.preference),
            "RFC 2181 §5", about());
        continue;  // the checks below were made at its first listing
      }

      if (mx.exchange == root) {
        if (has_real) {
          add("null-mx-with-others", "error", mx.where,
              fmt::format("{} has a null MX (\".\") beside other MX records: RFC 7505 §3 says a null MX must "
                          "be the only MX record; senders drop the \".\" and deliver to the others, so the "
                          "domain does not say \"accepts no mail\" as meant",
                          domain),
              "RFC 7505 §3", about());
        }
        if (mx.preference != 0) {
          add("null-mx-preference", "error", mx.where,
              fmt::format("the null MX of {} has preference {}: RFC 7505 §3 requires \"0 .\"; some senders "
                          "may not recognise it as a null MX and look for a host named \".\"",
                          domain, mx.preference),
              "RFC 7505 §3", about());
        }
        continue;
      }

      const Chain chain = follow(db, mx.exchange);
      if (const std::string literal = address_in_name(exchange); !literal.empty() && !chain.has_address) {
        add("mx-target-address", "error", mx.where,
            fmt::format("MX {} of {} is an IP address written as a name: the exchange of an MX is a domain "
                        "name (RFC 1035 §3.3.9, RFC 5321 §5.1), so senders look up A/AAAA records of the "
                        "name \"{}\", find none, and cannot deliver; give the host a name with an A or "
                        "AAAA record and use that name",
                        literal, domain, exchange),
            "RFC 1035 §3.3.9", about({fact("address", literal)}));
        continue;  // that it has no address is the same problem
      }
      first_record.emplace(mx.exchange, &mx);
      if (chain.alias) {
        add("mx-cname", "warning", mx.where,
            fmt::format("MX {} of {} is an alias (CNAME to {}): RFC 2181 §10.3 says an MX must name a host "
                        "with its own address records; Postfix, Exim and Sendmail follow the alias anyway, "
                        "but others may refuse it and every delivery costs extra lookups",
                        exchange, domain, db.name(chain.first_target)),
            "RFC 2181 §10.3", about({fact("alias_of", db.name(chain.first_target))}));
      }
      if (!chain.has_address) {
        const bool in_zone = db.is_at_or_below(mx.exchange, db.apex());
        const char* via = chain.alias ? " at the end of its CNAME chain" : "";
        if (in_zone) {
          add("mx-no-address", "error", mx.where,
              fmt::format("MX {} of {} has no A or AAAA record{} in the zone: senders cannot connect to it "
                          "and fall back to other MX hosts or defer (RFC 5321 §5.1)",
                          exchange, domain, via),
              "RFC 5321 §5.1", about({fact("in_zone", true)}));
        } else {
          add("mx-no-address", "error", mx.where,
              fmt::format("MX {} of {} is out of zone ({}) and no A or AAAA record for it{} is given: the "
                          "simulated senders cannot reach it (RFC 5321 §5.1); add its address records to "
                          "the zone text",
                          exchange, domain, db.name(db.apex()), via),
              "RFC 5321 §5.1", about({fact("in_zone", false)}));
        }
        continue;
      }
      for (const AddressId address : addresses_now(db, chain.end)) {
        if (listed_pairs.insert(std::uint64_t{address} << 32 | mx.exchange).second)
          names_by_address[address].push_back(mx.exchange);
      }
    }

    // Redundancy: a backup MX helps only if it fails apart from the others.
    for (const auto& [address, names] : names_by_address) {
      if (names.size() < 2) continue;
      std::vector<std::string> shown;
      for (const NameId name : names) shown.push_back(db.name(name));
      const Mx& where = *first_record.at(names[1]);
      add("mx-shared-address", "warning", where.where,
          fmt::format("MX hosts {} of {} all resolve to {}: they are one server under several names, so "
                      "when it fails senders find no other MX to fall back to (RFC 5321 §5.1), and an MTA "
                      "with an address limit (Postfix tries 5) spends its tries on the same dead host",
                      joined(shown), domain, db.address(address)),
          "RFC 5321 §5.1",
          {fact("domain", domain), fact("target", db.name(names[1])), fact("address", db.address(address))});
    }
    std::set<std::string> subnets;
    std::set<NameId> hosts;
    for (const auto& [address, names] : names_by_address) {
      subnets.insert(subnet_of(db.address(address)));
      hosts.insert(names.begin(), names.end());
    }
    if (names_by_address.size() >= 2 && hosts.size() >= 2 && subnets.size() == 1) {
      std::vector<std::string> shown;
      for (const auto& [address, names] : names_by_address) shown.push_back(db.address(address));
      const Mx* first = nullptr;
      for (const Mx& mx : set->mx)
        if (!first && first_record.count(mx.exchange)) first = &mx;
      add("mx-same-subnet", "warning", first->where,
          fmt::format("every MX address of {} ({}) is in {}: one routing or upstream outage of that network "
                      "takes all of them at once and the backup MX never gets the mail it is there for; "
                      "place MX hosts in separate networks, as RFC 2182 §3.1 asks of name servers and RFC "
                      "5321 §5.1 assumes of MX fallback",
                      domain, joined(shown), *subnets.begin()),
          "RFC 2182 §3.1", {fact("domain", domain), fact("subnet", *subnets.begin())});
    }
  }

  std::stable_sort(findings.begin(), findings.end(), [](const Finding& a, const Finding& b) {
    return a.where.line != b.where.line ? a.where.line < b.where.line : a.where.column < b.where.column;
  });
  return findings;
}

}  // namespace mxsim::dns
