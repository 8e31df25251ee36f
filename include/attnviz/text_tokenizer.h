#pragma once
// Text to token ids and back, whatever the tokenizer: the bundled models' word list
// (tokenizer.h) or a Hugging Face tokenizer.json (hf_tokenizer.h). The pipeline sees
// only this interface.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace attnviz {

class TextTokenizer {
 public:
  virtual ~TextTokenizer() = default;

  // The ids a model is fed for `text`: special tokens written in the text are matched as
  // single ids, and with `add_special_tokens` the tokenizer's template (BOS, ...) is
  // applied. Throws a usage Error naming the problem (e.g. invalid UTF-8, a word the
  // vocabulary lacks).
  virtual std::vector<int64_t> encode(const std::string& text, bool add_special_tokens = true) const = 0;

  // Text for ids; special tokens are left out when `skip_special_tokens`.
  virtual std::string decode(const std::vector<int64_t>& ids, bool skip_special_tokens = true) const = 0;

  // The vocabulary entry as stored ("Ġthe", "▁the", "<0x0A>"); "<ID>" when out of range.
  virtual std::string token(int64_t id) const = 0;

  // The entry made readable for labels: byte-level and metaspace markers become the
  // characters they stand for, with spaces and control characters made visible.
  virtual std::string display_token(int64_t id) const = 0;

  virtual int64_t vocab_size() const = 0;
  virtual std::optional<int64_t> bos() const = 0;
  virtual std::optional<int64_t> eos() const = 0;
};

}  // namespace attnviz
