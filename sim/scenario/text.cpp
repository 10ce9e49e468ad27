// Canonical server keys and the quoting of values in messages (text.hpp).
#include "scenario/text.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace mxsim::scenario {

std::string strip_dot(const std::string& name) {
  if (name.size() > 1 && name.back() == '.') return name.substr(0, name.size() - 1);
  return name;
}

std::string canonical_name(std::string_view text) {
  std::string name(text);
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (name.empty() || name.back() != '.') name += '.';
  return name;
}

bool plausible_name(std::string_view name) {
  if (name.size() < 2 || name.size() > 254) return false;
  if (name.find("..") != std::string_view::npos || name.front() == '.') return false;
  return std::none_of(name.begin(), name.end(), [](char c) {
    return std::isspace(static_cast<unsigned char>(c)) != 0 || c == '/' || c == '@';
  });
}

std::optional<std::string> canonical_address(const std::string& text) {
  unsigned char buffer[16];
  char out[INET6_ADDRSTRLEN];
  for (int family : {AF_INET, AF_INET6}) {
    if (inet_pton(family, text.c_str(), buffer) == 1 && inet_ntop(family, buffer, out, sizeof out) != nullptr)
      return std::string(out);
  }
  return std::nullopt;
}

std::string canonical_server_key(const std::string& text) {
  if (auto address = canonical_address(text)) return *address;
  return canonical_name(text);
}

bool is_address_key(std::string_view key) { return !key.empty() && key.back() != '.'; }

std::string shown(std::string_view text) {
  constexpr std::size_t kMaxShown = 60;
  std::string out = "\"";
  for (std::size_t i = 0; i < text.size() && i < kMaxShown; ++i) {
    if (text[i] == '\n')
      out += "\\n";
    else if (text[i] == '"')
      out += "\\\"";
    else
      out += text[i];
  }
  if (text.size() > kMaxShown) out += "...";
  return out + "\"";
}

std::string printable(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\n')
      out += "\\n";
    else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F)
      out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
    else
      out += c;
  }
  return out;
}

}  // namespace mxsim::scenario
