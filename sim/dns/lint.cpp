// The MX checks of `mxsim validate`, each at the offending MX record.
// "error": senders cannot use the record as meant (no address, malformed null
// MX); "warning": delivery still works in practice (CNAME target, duplicate).
#include "dns/lint.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "dns/resolver.hpp"

namespace mxsim::dns {

namespace {

struct Chain {
  bool alias = false;        // the name itself is a CNAME
  NameId first_target = kNoName;
  bool has_address = false;  // an A or AAAA at the end of the chain
};

// Follows CNAMEs as MTAs do (Resolver::kMaxCnameDepth deep) to see whether
// the name ends at an address.
Chain follow(const ZoneDb& db, NameId name) {
  Chain chain;
  for (int hops = 0; hops <= Resolver::kMaxCnameDepth; ++hops) {
    if (db.lookup(name, Type::A).rrset || db.lookup(name, Type::AAAA).rrset) {
      chain.has_address = true;
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

}  // namespace

std::vector<Finding> lint_zone(const ZoneDb& db) {
  std::vector<Finding> findings;
  const NameId root = db.root();
  auto add = [&](const char* check, const char* severity, const Location& where, std::string message) {
    findings.push_back(Finding{check, severity, where, std::move(message)});
  };

  for (const auto& [owner, set] : db.all(Type::MX)) {
    const std::string& domain = db.name(owner);
    const bool has_real = std::any_of(set->mx.begin(), set->mx.end(), [&](const Mx& m) { return m.exchange != root; });

    for (std::size_t i = 0; i < set->mx.size(); ++i) {
      const Mx& mx = set->mx[i];
      const std::string& exchange = db.name(mx.exchange);

      const auto earlier = std::find_if(set->mx.begin(), set->mx.begin() + static_cast<std::ptrdiff_t>(i),
                                        [&](const Mx& m) { return m.exchange == mx.exchange; });
      if (earlier != set->mx.begin() + static_cast<std::ptrdiff_t>(i)) {
        add("duplicate-mx", "warning", mx.where,
            fmt::format("{} lists MX {} twice (preferences {} and {}): senders try it once, at the better "
                        "preference, so the second record only hides what was meant (a typo for another "
                        "host?); an RRset holds each record once (RFC 2181 §5)",
                        domain, exchange, earlier->preference, mx.preference));
        continue;  // the checks below were made at its first listing
      }

      if (mx.exchange == root) {
        if (has_real) {
          add("null-mx-with-others", "error", mx.where,
              fmt::format("{} has a null MX (\".\") beside other MX records: RFC 7505 §3 says a null MX must "
                          "be the only MX record; senders drop the \".\" and deliver to the others, so the "
                          "domain does not say \"accepts no mail\" as meant",
                          domain));
        }
        if (mx.preference != 0) {
          add("null-mx-preference", "error", mx.where,
              fmt::format("the null MX of {} has preference {}: RFC 7505 §3 requires \"0 .\"; some senders "
                          "may not recognise it as a null MX and look for a host named \".\"",
                          domain, mx.preference));
        }
        continue;
      }

      const Chain chain = follow(db, mx.exchange);
      if (chain.alias) {
        add("mx-cname", "warning", mx.where,
            fmt::format("MX {} of {} is an alias (CNAME to {}): RFC 2181 §10.3 says an MX must name a host "
                        "with its own address records; Postfix, Exim and Sendmail follow the alias anyway, "
                        "but others may refuse it and every delivery costs extra lookups",
                        exchange, domain, db.name(chain.first_target)));
      }
      if (!chain.has_address) {
        const bool in_zone = db.is_at_or_below(mx.exchange, db.apex());
        const char* via = chain.alias ? " at the end of its CNAME chain" : "";
        if (in_zone) {
          add("mx-no-address", "error", mx.where,
              fmt::format("MX {} of {} has no A or AAAA record{} in the zone: senders cannot connect to it "
                          "and fall back to other MX hosts or defer (RFC 5321 §5.1)",
                          exchange, domain, via));
        } else {
          add("mx-no-address", "error", mx.where,
              fmt::format("MX {} of {} is out of zone ({}) and no A or AAAA record for it{} is given: the "
                          "simulated senders cannot reach it (RFC 5321 §5.1); add its address records to "
                          "the zone text",
                          exchange, domain, db.name(db.apex()), via));
        }
      }
    }
  }

  std::stable_sort(findings.begin(), findings.end(), [](const Finding& a, const Finding& b) {
    return a.where.line != b.where.line ? a.where.line < b.where.line : a.where.column < b.where.column;
  });
  return findings;
}

}  // namespace mxsim::dns
