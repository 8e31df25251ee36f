#pragma once
// The pre-tokenizers of tokenizer.json that real VLM tokenizers use: Split (Qwen,
// Llama-3, Gemma-3), ByteLevel (GPT-2 style), Metaspace (SentencePiece style) and
// Sequence. Each cuts the text pieces further; the model then sees each piece alone.
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pieces.h"

namespace attnviz::tok {

class PreTokenizer {
 public:
  virtual ~PreTokenizer() = default;
  virtual void pre_tokenize(std::vector<Piece>& pieces) const = 0;
};

// None for a JSON null; a model Error naming `source` for what is not supported.
std::unique_ptr<PreTokenizer> make_pre_tokenizer(const nlohmann::json& spec, const std::string& source);

}  // namespace attnviz::tok
