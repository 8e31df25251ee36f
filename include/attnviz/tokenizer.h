#pragma once
// The "words" tokenizer of docs/metadata.md: lower-case, split on white space, and
// each of . , ? ! : ; a token of its own.
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "attnviz/metadata.h"
#include "attnviz/text_tokenizer.h"

namespace attnviz {

class WordTokenizer : public TextTokenizer {
 public:
  explicit WordTokenizer(const TokenizerSpec& spec);

  // With `add_special_tokens`, BOS first (when the vocabulary has one). Throws a usage
  // Error about option "prompt" naming the first word missing from the vocabulary (an
  // unknown-token in the vocabulary does not change that).
  std::vector<int64_t> encode(const std::string& text, bool add_special_tokens = true) const override;
  std::string decode(const std::vector<int64_t>& ids, bool skip_special_tokens = true) const override;
  std::string token(int64_t id) const override;
  std::string display_token(int64_t id) const override { return token(id); }
  int64_t vocab_size() const override { return static_cast<int64_t>(vocab_.size()); }
  std::optional<int64_t> bos() const override;
  std::optional<int64_t> eos() const override;

  static std::vector<std::string> split(const std::string& text);

 private:
  std::vector<std::string> vocab_;
  std::unordered_map<std::string, int64_t> ids_;
  int64_t bos_ = -1, eos_ = -1;
};

}  // namespace attnviz
