// SHA-256 (FIPS 180-4) of a byte string, as lowercase hex: summary.json names
// the scenario file it ran by its digest, and sweeps compare shards by it.
#pragma once

#include <string>
#include <string_view>

namespace mxsim::util {

std::string sha256_hex(std::string_view bytes);

}  // namespace mxsim::util
