#pragma once
// A Hugging Face tokenizer.json, read and run in C++ with the ids Hugging Face's own
// tokenizers library gives (tests/tokenizer/parity.sh compares them on Qwen3, Llama-2
// and Gemma-3). docs/tokenizer.md lists what is supported; anything else in the file
// (another model type, normalizer, pre-tokenizer, post-processor or decoder, truncation
// or padding) is refused with a one-line error naming it, never approximated.
//
// Labels (display_token): the token's bytes as the decoder would give them, so
// byte-level "Ġthe" and metaspace "▁the" become " the" and byte fallback "<0x0A>"
// becomes a newline; then spaces are shown as "␣", newlines as "↵", tabs as "⇥",
// carriage returns as "␍", other control characters as "\xNN", and bytes that are
// not complete UTF-8 on their own as "<0xNN>". Special tokens ("<|im_start|>") are
// shown as written, with the same visible white space.
//
// BOS and EOS (the metadata may override both):
//  - bos(): the first token the post-processor template puts before the text (Llama-2's
//    "<s>", Gemma's "<bos>"); none when the template adds nothing before it (Qwen).
//  - eos(): a token the template puts after the text, else the first special added token
//    in this list: <|im_end|>, <end_of_turn>, <|eot_id|>, <|end|>, </s>, <|endoftext|>,
//    <eos>, <|end_of_text|>. Chat-tuned VLMs stop at the end-of-turn marker, hence its
//    place first.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "attnviz/text_tokenizer.h"

namespace attnviz {

class HfTokenizer final : public TextTokenizer {
 public:
  // `source` names the document in errors ("tokenizer.json", "model.pt:tokenizer.json").
  // Throws a model Error for JSON that does not parse or that uses what is not supported.
  static std::unique_ptr<HfTokenizer> from_json(const std::string& text, const std::string& source);
  // Throws an input Error when the file cannot be read.
  static std::unique_ptr<HfTokenizer> from_file(const std::string& path);
  ~HfTokenizer() override;

  // Throws a usage Error for text that is not valid UTF-8.
  std::vector<int64_t> encode(const std::string& text, bool add_special_tokens = true) const override;
  // Ids that name no token are left out, as Hugging Face does.
  std::string decode(const std::vector<int64_t>& ids, bool skip_special_tokens = true) const override;
  std::string token(int64_t id) const override;
  std::string display_token(int64_t id) const override;
  // One more than the largest id (model vocabulary and added tokens).
  int64_t vocab_size() const override;
  std::optional<int64_t> bos() const override;
  std::optional<int64_t> eos() const override;

  // The id of a token written as stored ("<|im_end|>", "Ġthe"), if there is one.
  std::optional<int64_t> token_id(const std::string& token) const;
  bool is_special(int64_t id) const;

  struct Parts;

 private:
  explicit HfTokenizer(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace attnviz
