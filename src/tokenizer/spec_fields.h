#pragma once
// Reading one component of tokenizer.json ({"type": "Split", ...}): typed fields whose
// errors name the file and the component, and the rejection of what is not supported.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "onig_regex.h"

namespace attnviz::tok {

class SpecFields {
 public:
  // `kind` is what the component is ("normalizer", "pre_tokenizer", ...).
  SpecFields(const nlohmann::json& spec, std::string kind, std::string source);

  const std::string& type() const { return type_; }
  const nlohmann::json& spec() const { return spec_; }

  const nlohmann::json& required(const std::string& key) const;
  std::string string(const std::string& key) const;
  std::optional<std::string> optional_string(const std::string& key) const;  // absent or null: none
  bool boolean(const std::string& key, bool fallback) const;                 // absent or null: fallback
  uint64_t count(const std::string& key) const;
  std::string one_character(const std::string& key) const;
  // Metaspace's "prepend_scheme" (always, first or never; default always), checked
  // against the older "add_prefix_space" the way Hugging Face checks it.
  std::string prepend_scheme() const;
  // A {"String": ...} or {"Regex": ...} pattern.
  Regex pattern(const std::string& key) const;

  // The components listed under `key` (a Sequence's steps), each made by `make`.
  template <class Make>  // std::unique_ptr<T> Make(const nlohmann::json& step, const std::string& source)
  auto steps(const std::string& key, Make make) const {
    const auto& list = required(key);
    if (!list.is_array()) invalid("\"" + key + "\" is not a list");
    std::vector<decltype(make(list, source_))> out;
    for (const auto& step : list) {
      if (step.is_null()) invalid("a step is null");
      out.push_back(make(step, source_));
    }
    return out;
  }

  [[noreturn]] void unsupported() const;  // "<source>: <kind> <type> is not supported"
  [[noreturn]] void invalid(const std::string& problem) const;
  std::string where() const { return kind_ + " " + type_; }
  const std::string& source() const { return source_; }

 private:
  const nlohmann::json& spec_;
  std::string kind_, source_, type_;
};

}  // namespace attnviz::tok
