// Metrics by name: a path into one run's summary.json (see docs/outputs.md),
// with list items named by their host, address or name, and the short forms
// an operator types (delivery.p99, bounced) or a sweep CSV column names.
#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string_view>

#include "size/size.hpp"
#include "sweep/sweep.hpp"

namespace mxsim::size {

namespace {

using sweep::Step;

// The keys of an object (or the names of a list's items), for messages.
std::string known_names(const nlohmann::json& node) {
  std::string out;
  std::size_t count = 0;
  auto add = [&](const std::string& name) {
    if (++count <= 12) out += (out.empty() ? "" : ", ") + name;
  };
  if (node.is_object())
    for (const auto& item : node.items()) add(item.key());
  if (node.is_array())
    for (const auto& item : node)
      for (const char* field : {"host", "name"})
        if (item.is_object() && item.contains(field) && item[field].is_string()) {
          add(item[field].get<std::string>());
          break;
        }
  if (count > 12) out += ", ...";
  return out;
}

// The steps from i on joined by dots, while they are plain keys: the
// longest run that `matches` accepts; 0 when none does.
template <class Match>
std::size_t longest_run(const std::vector<Step>& steps, std::size_t i, Match matches, std::string& name) {
  std::size_t used = 0;
  std::string joined;
  for (std::size_t j = i; j < steps.size() && steps[j].kind == Step::Kind::key; ++j) {
    if (j > i && steps[j].quoted) break;
    joined += (j > i ? "." : "") + steps[j].key;
    if (matches(joined)) {
      used = j - i + 1;
      name = joined;
    }
    if (steps[j].quoted) break;
  }
  return used;
}

const nlohmann::json* walk(const nlohmann::json& root, const std::vector<Step>& steps, std::string& why) {
  const nlohmann::json* node = &root;
  std::string here;
  std::size_t i = 0;
  while (i < steps.size()) {
    const Step& step = steps[i];
    const std::string where = here.empty() ? "the summary" : here;
    if (step.kind == Step::Kind::index) {
      if (!node->is_array() || step.index >= node->size()) {
        why = fmt::format("{} has no item [{}]", where, step.index);
        return nullptr;
      }
      node = &(*node)[step.index];
      here += fmt::format("[{}]", step.index);
      ++i;
      continue;
    }
    std::string name;
    if (node->is_object()) {
      const std::size_t used = longest_run(steps, i, [&](const std::string& key) { return node->contains(key); }, name);
      if (used == 0) {
        why = fmt::format("{} has no \"{}\" (it has: {})", where, step.key, known_names(*node));
        return nullptr;
      }
      node = &(*node)[name];
      i += used;
    } else if (node->is_array()) {
      // A list item by its host name, address or name: exactly one must match.
      auto items_named = [&](const std::string& key) {
        std::vector<const nlohmann::json*> found;
        for (const auto& item : *node)
          for (const char* field : {"host", "address", "name"})
            if (item.is_object() && item.contains(field) && item[field] == key) {
              found.push_back(&item);
              break;
            }
        return found;
      };
      const std::size_t used =
          longest_run(steps, i, [&](const std::string& key) { return !items_named(key).empty(); }, name);
      if (used == 0) {
        why = fmt::format("{} has no item named \"{}\" (it has: {})", where, step.key, known_names(*node));
        return nullptr;
      }
      const auto found = items_named(name);
      if (found.size() > 1) {
        why = fmt::format("{} has {} items named \"{}\" (a host with several addresses): name one by its address "
                          "or by [N]",
                          where, found.size(), name);
        return nullptr;
      }
      node = found.front();
      i += used;
    } else {
      why = fmt::format("{} is a value, it has no \"{}\"", where, step.key);
      return nullptr;
    }
    here += (here.empty() ? "" : ".") + name;
  }
  return node;
}

}  // namespace

double metric_value(const nlohmann::json& summary, const std::string& name) {
  std::vector<Step> steps;
  try {
    steps = sweep::parse_path(name);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(fmt::format("metric {}", e.what()));
  }
  std::string why;
  const nlohmann::json* value = walk(summary, steps, why);
  // The short forms: a sweep CSV column, or a path inside one of the
  // summary's sections.
  if (!value && steps.size() == 1 && steps.front().kind == Step::Kind::key) {
    if (const std::string pointer = sweep::column_pointer(name); !pointer.empty()) {
      const nlohmann::json::json_pointer p(pointer);
      if (summary.contains(p)) value = &summary.at(p);
    }
  }
  if (!value && !steps.empty() && steps.front().kind == Step::Kind::key && !summary.contains(steps.front().key)) {
    for (const char* section : {"messages", "latency_s", "attempts", "bounces"}) {
      if (!summary.contains(section)) continue;
      std::string ignored;
      if ((value = walk(summary[section], steps, ignored))) break;
    }
  }
  if (!value) throw std::invalid_argument(fmt::format("no metric \"{}\" in the summary: {}", name, why));
  if (value->is_boolean()) return value->get<bool>() ? 1 : 0;
  if (!value->is_number())
    throw std::invalid_argument(fmt::format("metric \"{}\" is {} in the summary, not a number{}", name,
                                            value->is_object() ? "a group of fields" : value->is_array() ? "a list" : "text",
                                            value->is_object() ? fmt::format(" (it has: {})", known_names(*value)) : ""));
  return value->get<double>();
}

}  // namespace mxsim::size
