#pragma once
// tokenizer.json's "decoder": from the tokens' strings back to text. ByteLevel (GPT-2
// style), Metaspace, and Llama-2's Sequence[Replace, ByteFallback, Fuse, Strip] are
// supported, with Hugging Face's results down to the U+FFFD for bytes that are not
// valid UTF-8.
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace attnviz::tok {

class Decoder {
 public:
  virtual ~Decoder() = default;
  // Hugging Face's decode_chain: tokens in, tokens out; the text is their concatenation.
  // With `keep_bytes` (for labels), tokens may come out as raw bytes instead of being
  // made valid UTF-8, and nothing is stripped or dropped at the start of the text.
  virtual std::vector<std::string> decode_chain(std::vector<std::string> tokens, bool keep_bytes) const = 0;
};

// None for a JSON null; a model Error naming `source` for what is not supported.
std::unique_ptr<Decoder> make_decoder(const nlohmann::json& spec, const std::string& source);

}  // namespace attnviz::tok
