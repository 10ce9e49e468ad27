// Master-file text as lines of tokens, and the checks on it that ldns 1.8.3
// does not make: directives it ignores or misreads, TTLs it wraps, record
// types it turns into TYPE0, MX preferences it wraps, NUL bytes it stops at.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mxsim::dns::zone_text {

// RFC 2181 §8: a TTL is 0 .. 2^31 - 1.
inline constexpr std::uint32_t kMaxTtl = 0x7FFFFFFFu;

// A token of one text line, as the master-file syntax splits it: whitespace
// separates, ';' outside quotes starts a comment, parentheses stand alone.
struct Token {
  std::string_view text;
  int column = 1;  // 1-based within its line
};
struct Line {
  std::string_view text;
  std::vector<Token> tokens;
};

// The text's lines (a final "\r" dropped), each with its tokens; the views
// point into `text`.
std::vector<Line> split_lines(std::string_view text);

bool iequals(std::string_view a, std::string_view b);

// A problem in the text: the 0-based line, the 1-based column in that line,
// and what is wrong. Messages quote at most one token (quoted()).
struct Problem {
  std::size_t line = 0;
  int column = 1;
  std::string message;
};

// The first NUL byte: ldns would end its line there and drop the rest.
std::optional<Problem> find_nul(std::string_view text);

// A token for a message: in quotes, bytes that are not printable ASCII
// escaped, cut after 40 characters. A zone file may be any file the
// scenario names; a message shows no more of it than the token at fault.
std::string quoted(std::string_view token);

// A TTL as ldns reads one (seconds, or units as in 1h30m), in 64 bits so
// that nothing wraps; nullopt when the token is not one.
std::optional<std::uint64_t> parse_ttl(std::string_view token);

// The entry (directive or record) that starts on lines[start], checked
// before ldns reads it: the directive is $ORIGIN or $TTL (any case); the
// record's TTL is within RFC 2181's range; its type is one ldns knows; an MX
// preference is 0-65535 (leading zeros allowed).
std::optional<Problem> check_entry(const std::vector<Line>& lines, std::size_t start);

// Where to point at when ldns refuses the record that starts on
// lines[start] with `status` (an ldns_status): superfluous text at the first
// token past the type's fields; anything else at the record's data.
Problem locate_ldns_error(const std::vector<Line>& lines, std::size_t start, int status);

}  // namespace mxsim::dns::zone_text
