#pragma once
// Small tokenizer.json documents for the tests, built from their parts.
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "attnviz/hf_tokenizer.h"

namespace attnviz::test {

using nlohmann::json;

// A BPE model: the tokens get ids 0, 1, 2... in order; merges as "left right".
inline json bpe_model(const std::vector<std::string>& tokens, const std::vector<std::string>& merges,
                      const json& settings = json::object()) {
  json vocab = json::object();
  for (size_t i = 0; i < tokens.size(); ++i) vocab[tokens[i]] = i;
  json model = {{"type", "BPE"}, {"dropout", nullptr}, {"unk_token", nullptr}, {"vocab", vocab}, {"merges", merges}};
  for (const auto& [k, v] : settings.items()) model[k] = v;
  return model;
}

inline json added_token(const std::string& content, int id, bool special, const json& flags = json::object()) {
  json t = {{"id", id},        {"content", content}, {"single_word", false}, {"lstrip", false},
            {"rstrip", false}, {"normalized", !special}, {"special", special}};
  for (const auto& [k, v] : flags.items()) t[k] = v;
  return t;
}

struct DocParts {
  json model;
  json normalizer = nullptr;
  json pre_tokenizer = nullptr;
  json post_processor = nullptr;
  json decoder = nullptr;
  json added_tokens = json::array();
};

inline json tokenizer_doc(const DocParts& p) {
  return {{"version", "1.0"},          {"truncation", nullptr},          {"padding", nullptr},
          {"added_tokens", p.added_tokens}, {"normalizer", p.normalizer}, {"pre_tokenizer", p.pre_tokenizer},
          {"post_processor", p.post_processor}, {"decoder", p.decoder},   {"model", p.model}};
}

inline std::unique_ptr<HfTokenizer> load(const json& doc) { return HfTokenizer::from_json(doc.dump(), "tokenizer.json"); }

// The one-line message loading `doc` fails with ("" when it loads).
inline std::string load_error(const json& doc) {
  try {
    load(doc);
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

inline json split(const std::string& form, const std::string& pattern, const std::string& behavior, bool invert = false) {
  return {{"type", "Split"}, {"pattern", {{form, pattern}}}, {"behavior", behavior}, {"invert", invert}};
}

inline json template_processing(const std::vector<std::pair<std::string, int>>& before,
                                 const std::vector<std::pair<std::string, int>>& after) {
  json single = json::array(), special = json::object();
  for (const auto& [name, id] : before) single.push_back({{"SpecialToken", {{"id", name}, {"type_id", 0}}}});
  single.push_back({{"Sequence", {{"id", "A"}, {"type_id", 0}}}});
  for (const auto& [name, id] : after) single.push_back({{"SpecialToken", {{"id", name}, {"type_id", 0}}}});
  for (const auto& list : {before, after}) {
    for (const auto& [name, id] : list) special[name] = {{"id", name}, {"ids", {id}}, {"tokens", {name}}};
  }
  return {{"type", "TemplateProcessing"}, {"single", single}, {"pair", single}, {"special_tokens", special}};
}

}  // namespace attnviz::test
