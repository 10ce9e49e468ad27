// A small, strict reader of the XML that SimGrid platform files are written
// in: elements, attributes and their locations, nothing else. mxsim reads a
// platform file with it before SimGrid sees the file (platform_check.hpp).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/error.hpp"

namespace mxsim::scenario::xml {

struct Element {
  std::string name;
  std::vector<std::pair<std::string, std::string>> attributes;  // in order, entities decoded
  util::Location where;                                           // of the '<'
  int parent = -1;                                                // index into Document::elements
  int depth = 0;                                                  // the root is 0

  const std::string* attribute(std::string_view key) const;
};

struct Document {
  std::vector<Element> elements;  // in document order; elements[0] is the root
};

// Reads `text` (the contents of `file`). Comments, the XML declaration and a
// DOCTYPE without an internal subset are skipped; text between elements must
// be blank. Throws util::InputError at the offending character for anything
// else: CDATA, an unknown entity, a mismatched end tag, a repeated attribute,
// elements nested deeper than `max_depth`, more than `max_elements` elements.
Document read(std::string_view text, const std::string& file, int max_depth, std::size_t max_elements);

}  // namespace mxsim::scenario::xml
