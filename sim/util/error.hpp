// Errors in user input: every one names where it was found, so that the
// command line can print file:line:column and exit with code 2.
#pragma once

#include <stdexcept>
#include <string>

namespace mxsim::util {

// A place in an input file. Lines and columns are 1-based; 0 means unknown.
struct Location {
  std::string file;
  int line = 0;
  int column = 0;

  std::string str() const;  // "file:line:column"
};

// Unusable input: the message says what was expected; what() is
// "file:line:column: message".
class InputError : public std::runtime_error {
 public:
  InputError(Location where, const std::string& message);
  const Location& where() const { return where_; }
  const std::string& message() const { return message_; }

 private:
  Location where_;
  std::string message_;
};

}  // namespace mxsim::util
