// Located input errors.
#include "util/error.hpp"

#include <fmt/format.h>

namespace mxsim::util {

std::string Location::str() const { return fmt::format("{}:{}:{}", file, line, column); }

InputError::InputError(Location where, const std::string& message)
    : std::runtime_error(fmt::format("{}: {}", where.str(), message)),
      where_(std::move(where)),
      message_(message) {}

}  // namespace mxsim::util
