// ZoneDb: RFC 1035 master-file text read record by record with ldns, grouped
// into RRsets by (owner, type), and the authoritative answers resolvers ask for.
// Zone-update events are read the same way and swapped in later.
#include "dns/zone.hpp"

#include "dns/zone_text.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <ldns/ldns.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <stdexcept>
#include <unordered_set>

namespace mxsim::dns {

namespace {

using zone_text::kMaxTtl;
// ldns 1.8.3 replaces a default TTL of 0 by 3600 when it builds a record, so
// `$TTL 0` would be lost. We hand it this value instead; by the rule above
// it reads back as 0 (an explicit TTL this large means 0 anyway).
constexpr std::uint32_t kZeroTtl = 0xFFFFFFFFu;
constexpr std::uint32_t kDefaultTtl = 3600;  // ldns's own default without $TTL

std::uint32_t clamp_ttl(std::uint32_t ttl) { return ttl > kMaxTtl ? 0 : ttl; }

// Names are compared case-insensitively (RFC 4343); we store them lower case,
// absolute, with the trailing dot.
std::string canonical_name(std::string_view text) {
  std::string name(text);
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (name.empty() || name.back() != '.') name.push_back('.');
  return name;
}

// One address text form per address, whatever way the zone wrote it.
std::optional<std::string> canonical_address(std::string_view text) {
  const std::string s(text);
  char out[INET6_ADDRSTRLEN];
  unsigned char bin[16];
  if (inet_pton(AF_INET, s.c_str(), bin) == 1) return std::string(inet_ntop(AF_INET, bin, out, sizeof out));
  if (inet_pton(AF_INET6, s.c_str(), bin) == 1) return std::string(inet_ntop(AF_INET6, bin, out, sizeof out));
  return std::nullopt;
}

// ldns hands out malloc'ed strings.
std::string rdf_text(const ldns_rdf* rdf) {
  if (rdf == nullptr) return {};
  char* s = ldns_rdf2str(rdf);
  if (s == nullptr) return {};
  std::string out(s);
  std::free(s);
  return out;
}

// The parser state ldns updates between records; freed however we leave.
struct LdnsState {
  FILE* fp = nullptr;
  ldns_rdf* origin = nullptr;
  ldns_rdf* prev = nullptr;
  ~LdnsState() {
    if (fp != nullptr) std::fclose(fp);
    if (origin != nullptr) ldns_rdf_deep_free(origin);
    if (prev != nullptr) ldns_rdf_deep_free(prev);
  }
};

}  // namespace

struct ZoneDb::Parsed {
  enum class Kind { a, aaaa, mx, cname, soa, other };
  struct Record {
    Kind kind = Kind::other;
    std::string owner;  // canonical
    std::uint32_t ttl = 0;
    int line = 0;  // 0-based line of the text where the record starts
    std::uint16_t preference = 0;
    std::string target;   // MX exchange or CNAME target, canonical
    std::string address;  // A / AAAA, canonical
    std::uint32_t negative_ttl = 0;  // SOA: min(MINIMUM, TTL)
  };
  std::vector<Record> records;
  std::optional<std::string> first_origin;
  std::optional<std::uint32_t> first_ttl;
};

ZoneDb::Parsed ZoneDb::read(std::string_view text, const Location& where, const std::string& origin,
                            std::uint32_t default_ttl, const ZoneLimits& limits,
                            std::uint64_t records_before) {
  Parsed out;
  const int column_base = where.column > 0 ? where.column : 1;
  auto line_at = [&](std::size_t index) {
    Location at = where;
    at.line = where.line + static_cast<int>(index);
    return at;
  };
  auto problem_at = [&](const zone_text::Problem& problem) {
    Location at = line_at(problem.line);
    at.column = column_base + problem.column - 1;
    return util::InputError(at, problem.message);
  };
  if (const auto nul = zone_text::find_nul(text)) throw problem_at(*nul);
  const std::vector<zone_text::Line> lines = zone_text::split_lines(text);

  LdnsState st;
  std::uint32_t ttl = default_ttl == 0 ? kZeroTtl : default_ttl;
  st.origin = ldns_dname_new_frm_str(origin.c_str());
  if (st.origin == nullptr) throw std::invalid_argument("ZoneDb: bad origin " + origin);
  std::string buffer(text);
  // ldns knows $ORIGIN and $TTL in capitals only; BIND reads them in any case.
  for (const auto& line : lines) {
    if (line.tokens.empty()) continue;
    const std::string_view directive = line.tokens[0].text;
    if (directive[0] != '$' || !(zone_text::iequals(directive, "$ORIGIN") || zone_text::iequals(directive, "$TTL")))
      continue;
    const auto offset = static_cast<std::size_t>(directive.data() - text.data());
    for (std::size_t i = 0; i < directive.size(); ++i)
      buffer[offset + i] = static_cast<char>(std::toupper(static_cast<unsigned char>(buffer[offset + i])));
  }
  if (!buffer.empty()) st.fp = fmemopen(buffer.data(), buffer.size(), "r");
  if (!buffer.empty() && st.fp == nullptr) throw std::runtime_error("ZoneDb: fmemopen failed");

  int line_nr = 0;  // ldns counts the newlines it has consumed
  std::size_t checked = lines.size();
  for (;;) {
    // ldns skips blank and comment lines before a record; the record starts
    // at the first line with a token. Nothing left but comments: done.
    std::size_t start = static_cast<std::size_t>(line_nr);
    while (start < lines.size() && lines[start].tokens.empty()) ++start;
    if (start >= lines.size() || st.fp == nullptr) break;
    const zone_text::Line& first = lines[start];
    // Messages point at a token and quote at most that token: the text may
    // come from any file the scenario names.
    auto fail = [&](const std::string& why) {
      throw problem_at({.line = start, .column = first.tokens[0].column, .message = why});
    };
    if (start != checked) {  // once per entry, however many comment lines ldns stops at first
      if (const auto problem = zone_text::check_entry(lines, start)) throw problem_at(*problem);
      checked = start;
    }

    // A relative $ORIGIN is relative to the one before (RFC 1035 §5.1);
    // ldns would keep it relative, so keep the old one to append.
    const bool origin_line = zone_text::iequals(first.tokens[0].text, "$ORIGIN");
    const std::unique_ptr<ldns_rdf, void (*)(ldns_rdf*)> before(
        origin_line ? ldns_rdf_clone(st.origin) : nullptr, &ldns_rdf_deep_free);

    const int line_before = line_nr;
    ldns_rr* rr = nullptr;
    const ldns_status status = ldns_rr_new_frm_fp_l(&rr, st.fp, &ttl, &st.origin, &st.prev, &line_nr);
    switch (status) {
      case LDNS_STATUS_OK: {
        if (records_before + out.records.size() >= limits.records) {
          ldns_rr_free(rr);
          throw util::InputError(line_at(start),
                                 fmt::format("more records than the zone and its updates may have together: the "
                                             "limit zone_records={}; raise it with --limit zone_records=N",
                                             limits.records));
        }
        Parsed::Record rec;
        rec.owner = canonical_name(rdf_text(ldns_rr_owner(rr)));
        rec.ttl = clamp_ttl(ldns_rr_ttl(rr));
        rec.line = static_cast<int>(start);
        const ldns_rdf* r0 = ldns_rr_rdf(rr, 0);
        const ldns_rdf* r1 = ldns_rr_rdf(rr, 1);
        switch (ldns_rr_get_type(rr)) {
          case LDNS_RR_TYPE_A:
          case LDNS_RR_TYPE_AAAA: {
            rec.kind = ldns_rr_get_type(rr) == LDNS_RR_TYPE_A ? Parsed::Kind::a : Parsed::Kind::aaaa;
            const std::string raw = rdf_text(r0);
            const auto canonical = canonical_address(raw);
            rec.address = canonical ? *canonical : raw;
            break;
          }
          case LDNS_RR_TYPE_MX:
            rec.kind = Parsed::Kind::mx;
            rec.preference = r0 != nullptr ? ldns_rdf2native_int16(r0) : 0;
            rec.target = canonical_name(rdf_text(r1));
            break;
          case LDNS_RR_TYPE_CNAME:
            rec.kind = Parsed::Kind::cname;
            rec.target = canonical_name(rdf_text(r0));
            break;
          case LDNS_RR_TYPE_SOA: {
            rec.kind = Parsed::Kind::soa;
            const ldns_rdf* minimum = ldns_rr_rdf(rr, 6);
            const std::uint32_t min_ttl = minimum != nullptr ? clamp_ttl(ldns_rdf2native_int32(minimum)) : 0;
            rec.negative_ttl = std::min(min_ttl, rec.ttl);  // RFC 2308 §5
            break;
          }
          default:
            rec.kind = Parsed::Kind::other;
            break;
        }
        ldns_rr_free(rr);
        out.records.push_back(std::move(rec));
        break;
      }
      case LDNS_STATUS_SYNTAX_TTL: {
        // check_entry() made sure that the one value is a duration in range.
        const char* end = nullptr;
        const std::uint32_t parsed = ldns_str2period(std::string(first.tokens[1].text).c_str(), &end);
        if (!out.first_ttl) out.first_ttl = parsed;
        if (ttl == 0) ttl = kZeroTtl;
        break;
      }
      case LDNS_STATUS_SYNTAX_ORIGIN: {
        std::string name = rdf_text(st.origin);
        if (name.empty() || name.back() != '.') {
          if (!before || ldns_dname_cat(st.origin, before.get()) != LDNS_STATUS_OK)
            fail("$ORIGIN is not a valid name");
          name = rdf_text(st.origin);
        }
        if (!out.first_origin) out.first_origin = canonical_name(name);
        break;
      }
      case LDNS_STATUS_SYNTAX_EMPTY:
        // ldns stops at a comment line that starts with blank ("  ; note"):
        // fine while it has not reached the record's line.
        if (static_cast<std::size_t>(line_nr) <= start) break;
        // The line has tokens, yet ldns found no record in them: a lone or
        // unbalanced parenthesis.
        fail("Syntax error, no record here (an unbalanced parenthesis?)");
        break;
      default:
        throw problem_at(zone_text::locate_ldns_error(lines, start, status));
    }
    if (std::feof(st.fp)) break;
    // ldns always consumes at least one line unless at the end; guard anyway.
    if (line_nr == line_before && status != LDNS_STATUS_OK) fail("cannot read the record");
  }
  return out;
}

ZoneDb::Update ZoneDb::build(const Parsed& parsed, const Location& where) {
  Update update;
  std::map<std::pair<NameId, Type>, std::shared_ptr<Rrset>> by_key;
  std::vector<std::pair<NameId, Type>> order;  // first appearance, for a stable update order
  // Membership by hash, never by a scan of the list: one address may have
  // 10^5 owners, one name 10^5 addresses (a scan made loading quadratic).
  std::unordered_set<std::uint64_t> in_sets;  // owner_address() pairs in this update's A/AAAA sets
  std::unordered_set<NameId> other_owners;

  for (const Parsed::Record& rec : parsed.records) {
    const NameId owner = intern(rec.owner);
    Location at = where;
    at.line = where.line + rec.line;
    Type type{};
    switch (rec.kind) {
      case Parsed::Kind::a: type = Type::A; break;
      case Parsed::Kind::aaaa: type = Type::AAAA; break;
      case Parsed::Kind::mx: type = Type::MX; break;
      case Parsed::Kind::cname: type = Type::CNAME; break;
      case Parsed::Kind::soa:
        if (!update.negative_ttl) update.negative_ttl = rec.negative_ttl;
        [[fallthrough]];
      case Parsed::Kind::other:
        if (other_owners.insert(owner).second) update.other_names.push_back(owner);
        continue;
    }

    auto& set = by_key[{owner, type}];
    if (!set) {
      set = std::make_shared<Rrset>();
      set->ttl = rec.ttl;
      set->where = at;
      order.emplace_back(owner, type);
    } else {
      // RFC 2181 §5.2: the TTLs of one RRset must match; where they do not,
      // the smallest is what a cache could rely on.
      set->ttl = std::min(set->ttl, rec.ttl);
    }

    switch (type) {
      case Type::A:
      case Type::AAAA: {
        auto [it, added] = address_ids_.try_emplace(rec.address, static_cast<AddressId>(addresses_.size()));
        if (added) {
          if (addresses_.size() >= limits_.addresses) {
            throw util::InputError(at, fmt::format("address {} is one too many: the limit addresses={}; raise it "
                                                   "with --limit addresses=N",
                                                   rec.address, limits_.addresses));
          }
          addresses_.push_back(rec.address);
          owners_.emplace_back();
        }
        const AddressId id = it->second;
        // An address is A or AAAA, so (owner, address) also names the RRset.
        const std::uint64_t pair = owner_address(owner, id);
        if (owned_.insert(pair).second) {
          owners_[id].push_back(owner);
          if (addresses_by_name_.size() <= owner) addresses_by_name_.resize(owner + 1);
          addresses_by_name_[owner].push_back(id);
        }
        // An RRset is a set: the same address written twice is one record.
        if (in_sets.insert(pair).second) set->addresses.push_back(id);
        break;
      }
      case Type::MX:
        if (set->mx.size() >= limits_.mx_per_name) {
          throw util::InputError(at, fmt::format("{} has more than {} MX records: the limit mx_per_name={}; raise it "
                                                 "with --limit mx_per_name=N",
                                                 rec.owner, limits_.mx_per_name, limits_.mx_per_name));
        }
        // Kept as written, duplicates included, so the lint can point at them.
        set->mx.push_back(Mx{rec.preference, intern(rec.target), at});
        break;
      case Type::CNAME: {
        const NameId target = intern(rec.target);
        if (set->cname != kNoName && set->cname != target) {
          throw util::InputError(at, fmt::format("{} has more than one CNAME; an alias names exactly one "
                                                 "target (RFC 2181 §10.1)",
                                                 rec.owner));
        }
        set->cname = target;
        break;
      }
    }
  }
  update.sets.reserve(order.size());
  for (const auto& key : order) update.sets.push_back({key.first, {key.second, by_key[key]}});
  return update;
}

void ZoneDb::install(const Update& update) {
  for (const auto& [owner, typed] : update.sets) nodes_[owner].sets[static_cast<int>(typed.first)] = typed.second;
  for (NameId owner : update.other_names) nodes_[owner].has_other = true;
  if (update.negative_ttl) negative_ttl_ = *update.negative_ttl;
}

ZoneDb ZoneDb::parse(std::string_view text, const Location& where, const ZoneLimits& limits) {
  ZoneDb db;
  db.limits_ = limits;
  db.root_ = db.intern(".");
  const Parsed parsed = read(text, where, ".", kDefaultTtl, limits, 0);
  db.records_ = parsed.records.size();
  // Updates are read with the zone's own $ORIGIN and $TTL: the first of each
  // in the base text (a later directive only re-scopes the lines after it).
  db.origin_ = parsed.first_origin.value_or(".");
  db.default_ttl_ = parsed.first_ttl.value_or(kDefaultTtl);
  const Update base = db.build(parsed, where);
  db.install(base);
  const auto soa = std::find_if(parsed.records.begin(), parsed.records.end(),
                                [](const Parsed::Record& r) { return r.kind == Parsed::Kind::soa; });
  db.apex_ = db.intern(soa != parsed.records.end() ? soa->owner : db.origin_);
  return db;
}

std::size_t ZoneDb::add_update(std::string_view text, const Location& where) {
  const Parsed parsed = read(text, where, origin_, default_ttl_, limits_, records_);
  records_ += parsed.records.size();
  updates_.push_back(build(parsed, where));
  return updates_.size() - 1;
}

void ZoneDb::apply_update(std::size_t update) {
  install(updates_.at(update));
  ++version_;
}

Answer ZoneDb::lookup(NameId name, Type type) const {
  Answer answer;
  answer.negative_ttl = negative_ttl_;
  if (name >= nodes_.size()) {
    answer.rcode = Rcode::nxdomain;
    return answer;
  }
  const Node& node = nodes_[name];
  answer.rrset = node.sets[static_cast<int>(type)];
  if (!answer.rrset && !node.has_other &&
      std::none_of(std::begin(node.sets), std::end(node.sets), [](const RrsetPtr& s) { return s != nullptr; })) {
    answer.rcode = Rcode::nxdomain;
  }
  return answer;
}

NameId ZoneDb::find_name(std::string_view fqdn) const {
  auto it = name_ids_.find(canonical_name(fqdn));
  return it == name_ids_.end() ? kNoName : it->second;
}

NameId ZoneDb::intern(std::string_view fqdn) {
  std::string name = canonical_name(fqdn);
  auto [it, added] = name_ids_.try_emplace(name, static_cast<NameId>(names_.size()));
  if (added) {
    names_.push_back(std::move(name));
    nodes_.emplace_back();
  }
  return it->second;
}

bool ZoneDb::is_at_or_below(NameId name, NameId domain) const {
  if (name == domain) return true;
  if (name >= names_.size() || domain >= names_.size()) return false;
  if (domain == root_) return true;
  const std::string& n = names_[name];
  const std::string& d = names_[domain];
  // A label boundary must precede the suffix: "xexample.com." is not below "example.com.".
  return n.size() > d.size() && n.compare(n.size() - d.size(), d.size(), d) == 0 &&
         n[n.size() - d.size() - 1] == '.';
}

AddressId ZoneDb::find_address(std::string_view text) const {
  const auto canonical = canonical_address(text);
  if (!canonical) return kNoName;
  auto it = address_ids_.find(*canonical);
  return it == address_ids_.end() ? kNoName : it->second;
}

bool ZoneDb::is_ipv6(AddressId id) const { return addresses_[id].find(':') != std::string::npos; }

std::vector<AddressId> ZoneDb::addresses_of(NameId name) const {
  if (name >= addresses_by_name_.size()) return {};
  std::vector<AddressId> out = addresses_by_name_[name];
  std::sort(out.begin(), out.end());  // in address order, as callers have always had them
  return out;
}

std::vector<std::pair<NameId, RrsetPtr>> ZoneDb::all(Type type) const {
  std::vector<std::pair<NameId, RrsetPtr>> out;
  for (NameId id = 0; id < nodes_.size(); ++id) {
    if (const RrsetPtr& set = nodes_[id].sets[static_cast<int>(type)]) out.emplace_back(id, set);
  }
  return out;
}

}  // namespace mxsim::dns
