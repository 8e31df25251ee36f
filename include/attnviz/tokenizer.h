#pragma once
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "attnviz/metadata.h"

namespace attnviz {

// The "words" tokenizer of docs/metadata.md: lower-case, split on white space, and
// each of . , ? ! : ; a token of its own.
class WordTokenizer {
 public:
  explicit WordTokenizer(const TokenizerSpec& spec);

  // Throws an input Error naming the first word missing from the vocabulary
  // (unless the vocabulary has an unknown-token).
  std::vector<int64_t> encode(const std::string& text) const;
  std::string decode(const std::vector<int64_t>& ids) const;
  std::string token(int64_t id) const;
  int64_t bos() const { return bos_; }
  int64_t eos() const { return eos_; }

  static std::vector<std::string> split(const std::string& text);

 private:
  std::vector<std::string> vocab_;
  std::unordered_map<std::string, int64_t> ids_;
  int64_t bos_ = -1, eos_ = -1, unk_ = -1;
};

}  // namespace attnviz
