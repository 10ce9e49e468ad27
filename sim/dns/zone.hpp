// The authoritative DNS data of a scenario: RRsets by (owner, type), built
// from RFC 1035 master-file text parsed with ldns, and replaced in place by
// zone-update events. Names are interned to small ids for fast lookups.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "util/error.hpp"

namespace mxsim::dns {

using util::Location;
using NameId = std::uint32_t;
using AddressId = std::uint32_t;
inline constexpr NameId kNoName = 0xFFFFFFFFu;

// The record types the model uses; everything else in a zone is kept out.
enum class Type : std::uint8_t { A = 0, AAAA = 1, MX = 2, CNAME = 3 };
inline constexpr int kTypeCount = 4;

struct Mx {
  std::uint16_t preference = 0;
  NameId exchange = kNoName;  // the root name "." for a null MX
  Location where;
};

// One RRset, immutable once built: resolvers keep a shared pointer to the
// version they cached, so a zone update does not change what they hold.
struct Rrset {
  std::uint32_t ttl = 0;
  std::vector<Mx> mx;                  // Type::MX, in zone order
  std::vector<AddressId> addresses;    // Type::A / AAAA, in zone order
  NameId cname = kNoName;              // Type::CNAME
  Location where;                      // the first record of the set
};
using RrsetPtr = std::shared_ptr<const Rrset>;

enum class Rcode : std::uint8_t { noerror, nxdomain };

struct Answer {
  Rcode rcode = Rcode::noerror;
  RrsetPtr rrset;                  // null: NODATA (noerror) or NXDOMAIN
  std::uint32_t negative_ttl = 0;  // RFC 2308: min(SOA MINIMUM, SOA TTL); 0 without a SOA
};

// Bounds on what ZoneDb::parse() and add_update() accept; unbounded unless
// given. The scenario loader passes its limits (scenario/limits.hpp), and
// the messages name them as --limit knows them.
struct ZoneLimits {
  std::uint64_t records = UINT64_MAX;    // the base text and every update together
  std::uint64_t addresses = UINT64_MAX;  // distinct A/AAAA addresses
  // MX records of one owner in one text: each lookup of the name costs in
  // proportion to them, and no real answer holds more than a few thousand.
  std::uint64_t mx_per_name = UINT64_MAX;
};

class ZoneDb {
 public:
  // Parses master-file text. `where` is the location of the text's first line
  // in the scenario (or zone) file: an error on line k of the text is reported
  // at where.line + k - 1. Throws util::InputError. An MX preference above
  // 65535 is an error (ldns 1.8.3 silently wraps it), checked on the raw text.
  static ZoneDb parse(std::string_view text, const Location& where, const ZoneLimits& limits = {});

  // Parses the text of a zone-update event with this zone's $ORIGIN and $TTL
  // (unless the text sets its own) and keeps it; apply_update() later swaps
  // the named RRsets in. Names and addresses it introduces are interned now,
  // so that servers for them exist from the start.
  std::size_t add_update(std::string_view text, const Location& where);
  void apply_update(std::size_t update);
  // Changes with every applied update: an answer that was not cached (a
  // negative answer without a SOA) still holds while the version is the same.
  std::uint64_t version() const { return version_; }

  // Authoritative answer for (name, type) in the current state. A name with
  // no records of any type is NXDOMAIN; with some but not this type, NODATA.
  Answer lookup(NameId name, Type type) const;

  NameId find_name(std::string_view fqdn) const;  // lower case, trailing dot; kNoName if unknown
  NameId intern(std::string_view fqdn);
  const std::string& name(NameId id) const { return names_[id]; }
  NameId root() const { return root_; }
  // True when `name` equals `domain` or lies below it.
  bool is_at_or_below(NameId name, NameId domain) const;

  std::size_t address_count() const { return addresses_.size(); }
  const std::string& address(AddressId id) const { return addresses_[id]; }
  AddressId find_address(std::string_view text) const;  // kNoName if unknown
  bool is_ipv6(AddressId id) const;
  // Every name that owns an A/AAAA record for this address, base zone and
  // updates, in order of appearance. The first one names the server.
  const std::vector<NameId>& owners(AddressId id) const { return owners_[id]; }
  // Every address a name owns in the base zone or any update.
  std::vector<AddressId> addresses_of(NameId name) const;

  // For the lint: every (owner, RRset) of one type in the current state.
  std::vector<std::pair<NameId, RrsetPtr>> all(Type type) const;
  // The base text's first $ORIGIN ("." without one) and first $TTL (3600
  // without one): what update texts are read with.
  const std::string& origin() const { return origin_; }
  std::uint32_t default_ttl() const { return default_ttl_; }
  // The zone's apex: the owner of the base text's first SOA, else its first
  // $ORIGIN (the root without either). The lint tells in-zone names from others by it.
  NameId apex() const { return apex_; }

 private:
  struct Node {
    RrsetPtr sets[kTypeCount];
    bool has_other = false;  // records of types the model ignores (SOA, TXT...)
  };
  struct Update {
    std::vector<std::pair<NameId, std::pair<Type, RrsetPtr>>> sets;
    std::vector<NameId> other_names;            // owners of SOA, TXT... records: they exist
    std::optional<std::uint32_t> negative_ttl;  // from a SOA in the text
  };
  struct Parsed;  // master-file text as ldns read it (zone.cpp)

  static Parsed read(std::string_view text, const Location& where, const std::string& origin,
                     std::uint32_t default_ttl, const ZoneLimits& limits, std::uint64_t records_before);
  Update build(const Parsed& parsed, const Location& where);
  void install(const Update& update);

  std::vector<std::string> names_;
  std::unordered_map<std::string, NameId> name_ids_;
  std::vector<std::string> addresses_;
  std::unordered_map<std::string, AddressId> address_ids_;
  std::vector<std::vector<NameId>> owners_;
  // The same relation by name (in order of appearance), and as a set of
  // owner_address() pairs: lookups in both directions without a scan.
  std::vector<std::vector<AddressId>> addresses_by_name_;
  std::unordered_set<std::uint64_t> owned_;
  static std::uint64_t owner_address(NameId owner, AddressId address) {
    return (std::uint64_t{owner} << 32) | address;
  }
  std::vector<Node> nodes_;  // by NameId
  std::vector<Update> updates_;
  ZoneLimits limits_;
  std::uint64_t records_ = 0;  // read so far, base and updates
  std::string origin_;
  std::uint32_t default_ttl_ = 3600;
  std::uint32_t negative_ttl_ = 0;
  NameId root_ = kNoName;
  std::uint64_t version_ = 0;
  NameId apex_ = kNoName;
};

}  // namespace mxsim::dns
