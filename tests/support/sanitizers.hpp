// Whether this test executable runs under AddressSanitizer (g++ defines
// __SANITIZE_ADDRESS__, clang answers __has_feature). Timing tests skip
// themselves there: instrumentation changes what they measure, and costs
// the sanitizer build's test run minutes.
#pragma once

namespace mxsim::test {

#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kAddressSanitizer = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool kAddressSanitizer = true;
#else
inline constexpr bool kAddressSanitizer = false;
#endif
#else
inline constexpr bool kAddressSanitizer = false;
#endif

}  // namespace mxsim::test
