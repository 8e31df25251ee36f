#pragma once
// tokenizer.json's "post_processor": TemplateProcessing adds the special tokens of its
// "single" template around the ids (Llama-2's and Gemma-3's BOS); ByteLevel changes
// only offsets, so no ids; Sequence runs its steps in turn.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace attnviz::tok {

class PostProcessor {
 public:
  virtual ~PostProcessor() = default;
  // Applied with add_special_tokens only (without, no supported step changes the ids).
  virtual void add_special_tokens(std::vector<int32_t>& ids) const = 0;
  // The ids a template puts before and after the text.
  virtual std::vector<int32_t> ids_before() const { return {}; }
  virtual std::vector<int32_t> ids_after() const { return {}; }
};

// None for a JSON null; a model Error naming `source` for what is not supported.
std::unique_ptr<PostProcessor> make_post_processor(const nlohmann::json& spec, const std::string& source);

}  // namespace attnviz::tok
