#pragma once
// The normalizers of tokenizer.json that real VLM tokenizers use: NFC (Qwen), Prepend and
// Replace (Llama-2, Gemma), and Sequence. Hugging Face normalizes each stretch of text
// between added tokens on its own, so Prepend acts at the start of every stretch.
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

namespace attnviz::tok {

class Normalizer {
 public:
  virtual ~Normalizer() = default;
  virtual void normalize(std::string& text) const = 0;
};

// None for a JSON null; a model Error naming `source` for what is not supported.
std::unique_ptr<Normalizer> make_normalizer(const nlohmann::json& spec, const std::string& source);

}  // namespace attnviz::tok
