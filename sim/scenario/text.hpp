// Names and text as the scenario reader handles them: canonical host names
// and addresses (the server keys of docs/scenario-format.md), and values
// quoted for error messages.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mxsim::scenario {

// A name as reports show it: without the trailing dot of an absolute name.
std::string strip_dot(const std::string& name);

// Lower case with a trailing dot: names in the scenario are always absolute.
std::string canonical_name(std::string_view text);

// Whether a canonical name could be a DNS name (no spaces, '/', '@' or empty labels).
bool plausible_name(std::string_view name);

// Address text in the form inet_ntop prints, or nothing when `text` is not an address.
std::optional<std::string> canonical_address(const std::string& text);

// A server key: address text, or a host name. Names always end with a dot,
// addresses never do, which is how keys are told apart.
std::string canonical_server_key(const std::string& text);
bool is_address_key(std::string_view key);

// "text" with newlines and quotes escaped and long text cut, for messages.
std::string shown(std::string_view text);

// Control characters escaped (yaml-cpp quotes the offending character, newlines included).
std::string printable(std::string_view text);

}  // namespace mxsim::scenario
