#include "spec_fields.h"

#include "attnviz/error.h"
#include "utf8.h"

namespace attnviz::tok {

SpecFields::SpecFields(const nlohmann::json& spec, std::string kind, std::string source)
    : spec_(spec), kind_(std::move(kind)), source_(std::move(source)) {
  if (!spec_.is_object()) fail_model(source_, kind_ + " is not a JSON object");
  const auto type = spec_.find("type");
  if (type == spec_.end() || !type->is_string()) fail_model(source_, kind_ + " has no \"type\"");
  type_ = type->get<std::string>();
}

void SpecFields::unsupported() const { fail_model(source_, kind_ + " " + type_ + " is not supported"); }

void SpecFields::invalid(const std::string& problem) const { fail_model(source_, where() + ": " + problem); }

const nlohmann::json& SpecFields::required(const std::string& key) const {
  const auto it = spec_.find(key);
  if (it == spec_.end()) invalid("\"" + key + "\" is missing");
  return *it;
}

std::string SpecFields::string(const std::string& key) const {
  const auto& value = required(key);
  if (!value.is_string()) invalid("\"" + key + "\" is not a string");
  return value.get<std::string>();
}

std::optional<std::string> SpecFields::optional_string(const std::string& key) const {
  const auto it = spec_.find(key);
  if (it == spec_.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) invalid("\"" + key + "\" is not a string");
  return it->get<std::string>();
}

bool SpecFields::boolean(const std::string& key, bool fallback) const {
  const auto it = spec_.find(key);
  if (it == spec_.end() || it->is_null()) return fallback;
  if (!it->is_boolean()) invalid("\"" + key + "\" is not true or false");
  return it->get<bool>();
}

uint64_t SpecFields::count(const std::string& key) const {
  const auto& value = required(key);
  if (!value.is_number_unsigned()) invalid("\"" + key + "\" is not a non-negative integer");
  return value.get<uint64_t>();
}

std::string SpecFields::one_character(const std::string& key) const {
  const std::string value = string(key);
  size_t end = 0;
  if (value.empty() || find_invalid_utf8(value) || (next_code_point(value, end), end) != value.size()) {
    invalid("\"" + key + "\" is not one character");
  }
  return value;
}

std::string SpecFields::prepend_scheme() const {
  const std::string scheme = optional_string("prepend_scheme").value_or("always");
  if (scheme != "always" && scheme != "first" && scheme != "never") {
    invalid("prepend_scheme " + scheme + " is not one of always, first, never");
  }
  if (!boolean("add_prefix_space", true) && scheme != "never") invalid("add_prefix_space false does not match prepend_scheme");
  return scheme;
}

Regex SpecFields::pattern(const std::string& key) const {
  const auto& value = required(key);
  if (value.is_object() && value.size() == 1) {
    const auto entry = value.begin();
    const std::string form = entry.key();
    const auto& text = entry.value();
    if ((form == "String" || form == "Regex") && text.is_string()) {
      return Regex(text.get<std::string>(), form == "String", source_ + ": " + where());
    }
  }
  invalid("\"" + key + "\" is not {\"String\": ...} or {\"Regex\": ...}");
}

}  // namespace attnviz::tok
