// libFuzzer target: master-file text through dns::ZoneDb, the way a scenario
// uses it. The input is a base zone, optionally followed by a line "%%" and
// the text of a zone-update event; the update is applied and every name is
// looked up. Only util::InputError may come out.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "dns/zone.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto split = input.find("\n%%\n");
  const std::string_view base = input.substr(0, split);
  try {
    auto db = mxsim::dns::ZoneDb::parse(base, {"fuzz.zone", 1, 1});
    if (split != std::string_view::npos) {
      const std::string_view update = input.substr(split + 4);
      db.apply_update(db.add_update(update, {"fuzz.zone", 1, 1}));
    }
    for (mxsim::dns::NameId name = 0; name < static_cast<mxsim::dns::NameId>(16); ++name) {
      for (int type = 0; type < mxsim::dns::kTypeCount; ++type)
        (void)db.lookup(name, static_cast<mxsim::dns::Type>(type));
      (void)db.is_at_or_below(name, db.apex());
    }
    for (mxsim::dns::AddressId a = 0; a < db.address_count(); ++a) (void)db.is_ipv6(a);
  } catch (const mxsim::util::InputError&) {
  }
  return 0;
}
