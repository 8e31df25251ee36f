#pragma once
// The BPE model of tokenizer.json: a word (one pre-tokenized piece) becomes the ids of
// its characters, then pairs merge lowest rank first, exactly as Hugging Face's
// tokenizers do (including the way unknown characters, byte fallback and the
// subword prefix and suffix are handled).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "token_table.h"

namespace attnviz::tok {

struct BpeSettings {
  std::optional<std::string> unk_token;
  std::optional<std::string> continuing_subword_prefix;
  std::optional<std::string> end_of_word_suffix;
  bool fuse_unk = false;
  bool byte_fallback = false;
  bool ignore_merges = false;  // a word that is itself in the vocabulary is one token
};

// The merges as read, in rank order, back to back in one buffer (half a million pairs
// of short strings would otherwise be a million string objects).
class MergeList {
 public:
  void add(std::string_view left, std::string_view right) {
    bounds_.push_back({static_cast<uint32_t>(text_.size()), static_cast<uint32_t>(left.size()),
                       static_cast<uint32_t>(right.size())});
    text_.append(left);
    text_.append(right);
  }
  size_t size() const { return bounds_.size(); }
  std::string_view left(size_t i) const { return std::string_view(text_).substr(bounds_[i].begin, bounds_[i].left); }
  std::string_view right(size_t i) const {
    return std::string_view(text_).substr(bounds_[i].begin + bounds_[i].left, bounds_[i].right);
  }

 private:
  struct Bounds {
    uint32_t begin, left, right;
  };
  std::string text_;
  std::vector<Bounds> bounds_;
};

class BpeModel {
 public:
  // Throws a model Error naming `source` for a merge whose parts or result are not in
  // the vocabulary, or a negative id.
  BpeModel(TokenTable vocab, const MergeList& merges, BpeSettings settings, const std::string& source);
  BpeModel(const BpeModel&) = delete;  // id_to_token_ points into vocab_
  BpeModel& operator=(const BpeModel&) = delete;

  void tokenize(std::string_view word, std::vector<int32_t>& ids) const;

  std::optional<int32_t> token_to_id(std::string_view token) const { return vocab_.find(token); }
  std::optional<std::string_view> id_to_token(int64_t id) const;
  size_t vocab_size() const { return vocab_.size(); }
  int64_t max_id() const { return static_cast<int64_t>(id_to_token_.size()) - 1; }
  const BpeSettings& settings() const { return settings_; }

 private:
  struct Symbol {
    int32_t id;
    int32_t prev, next;  // -1 at the ends
    uint32_t length;     // 0 once merged into its left neighbour
  };
  std::vector<Symbol> initial_symbols(std::string_view word) const;
  void merge_symbols(std::vector<Symbol>& symbols) const;

  TokenTable vocab_;
  std::vector<std::string_view> id_to_token_;
  MergeTable merges_;
  BpeSettings settings_;
  std::string source_;
  std::vector<int32_t> byte_token_ids_;  // "<0xNN>" of each byte, -1 when absent
};

}  // namespace attnviz::tok
