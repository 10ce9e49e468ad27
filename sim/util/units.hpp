// Durations and rates as scenario files write them: "250ms", "30s", "5m",
// "2h", "4d" (a bare number is seconds); "20/s", "1200/m", "50000/h", "1e6/d";
// and the network session model's quantities: bandwidths ("100Mbps",
// "12.5MBps"), sizes ("60KB", "1MiB"), flops ("2e8", "200Mf"), speeds ("1Gf").
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mxsim::util {

// Seconds, or nullopt with `why` set to what was expected. Rejects negative,
// NaN, infinite and unknown units.
std::optional<double> parse_duration(std::string_view text, std::string* why = nullptr);

// Events per second, same rules; the unit after '/' is s, m, h or d.
std::optional<double> parse_rate(std::string_view text, std::string* why = nullptr);

// Bytes per second, > 0. Bits per second: bps, kbps, Mbps, Gbps, Tbps or
// bit/s, kbit/s, Mbit/s, Gbit/s, Tbit/s; bytes per second: Bps, kBps, MBps,
// GBps, TBps or B/s, kB/s, MB/s, GB/s, TB/s. Prefixes are SI (k and K are
// 1000). Case matters beyond k/K: b is bits, B bytes, and "mbps" is rejected.
// A bare number is bytes per second.
std::optional<double> parse_bandwidth(std::string_view text, std::string* why = nullptr);

// Bytes, >= 0: B, kB or KB (1000), MB, GB, TB, KiB (1024), MiB, GiB, TiB; a
// bare number is bytes.
std::optional<double> parse_bytes(std::string_view text, std::string* why = nullptr);

// Floating-point operations, > 0, in SimGrid's spelling: f, kf (or Kf), Mf,
// Gf, Tf, Pf, Ef; a bare number is flops.
std::optional<double> parse_flops(std::string_view text, std::string* why = nullptr);

// Flop/s, > 0: the units of parse_flops, optionally followed by "/s"
// ("1Gf" and "1Gf/s" are the same speed); a bare number is flop/s.
std::optional<double> parse_speed(std::string_view text, std::string* why = nullptr);

// "30s", "5m", "1h30m" style text for reports (exact round trip not promised).
std::string format_duration(double seconds);

}  // namespace mxsim::util
