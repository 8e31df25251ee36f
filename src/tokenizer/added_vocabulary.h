#pragma once
// tokenizer.json's "added_tokens": strings (special like "<|im_start|>" or not) matched in
// the text as single ids before anything else sees it. As in Hugging Face's
// AddedVocabulary: tokens with "normalized": false are found in the raw text, the others
// in the normalized text (their content normalized too); the leftmost match wins, the
// longest among those starting there; "single_word", "lstrip" and "rstrip" then apply.
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "normalizers.h"
#include "pieces.h"

namespace attnviz::tok {

struct AddedToken {
  std::string content;
  bool special = false;
  bool single_word = false;
  bool lstrip = false;
  bool rstrip = false;
  bool normalized = true;
};

class AddedVocabulary {
 public:
  // Ids as Hugging Face gives them: the model's id when the model knows the content,
  // otherwise the next free id after the model vocabulary (`model_vocab_size` entries).
  // `model_id` looks a content up in the model.
  template <class ModelLookup>
  AddedVocabulary(const std::vector<AddedToken>& tokens, size_t model_vocab_size, ModelLookup model_id,
                  const Normalizer* normalizer);

  // Cuts the text pieces at the tokens matched in raw text.
  void split_raw(std::vector<Piece>& pieces) const { split(pieces, raw_); }
  // Cuts the (normalized) text pieces at the tokens matched after normalization.
  void split_normalized(std::vector<Piece>& pieces) const { split(pieces, normalized_); }

  std::optional<int32_t> id_of(const std::string& content) const;
  const AddedToken* token(int64_t id) const;
  bool is_special(const std::string& content) const { return special_.count(content) > 0; }
  int64_t max_id() const;

 private:
  // A byte trie over token contents, for leftmost-longest matching.
  class Matcher {
   public:
    void add(const std::string& content, int32_t id);
    // The id and length of the longest token starting at text[pos], if any.
    std::optional<std::pair<int32_t, size_t>> longest_at(const std::string& text, size_t pos) const;
    bool empty() const { return nodes_.size() <= 1; }

   private:
    struct Node {
      std::unordered_map<unsigned char, int32_t> children;
      int32_t token = -1;
    };
    std::vector<Node> nodes_{1};
  };

  void build(const std::vector<AddedToken>& tokens, const Normalizer* normalizer);
  void split(std::vector<Piece>& pieces, const Matcher& matcher) const;
  std::vector<Piece> split_one(Piece&& piece, const Matcher& matcher) const;

  std::unordered_map<std::string, int32_t> ids_;
  std::unordered_map<int32_t, AddedToken> by_id_;
  std::unordered_set<std::string> special_;
  Matcher raw_, normalized_;
};

template <class ModelLookup>
AddedVocabulary::AddedVocabulary(const std::vector<AddedToken>& tokens, size_t model_vocab_size, ModelLookup model_id,
                                 const Normalizer* normalizer) {
  auto next_id = static_cast<int32_t>(model_vocab_size);
  for (const AddedToken& t : tokens) {
    if (t.content.empty()) continue;
    auto known = ids_.find(t.content);
    int32_t id;
    if (known != ids_.end()) id = known->second;
    else if (auto m = model_id(t.content)) id = *m;
    else id = next_id++;
    ids_[t.content] = id;
    by_id_[id] = t;
    if (t.special) special_.insert(t.content);
  }
  build(tokens, normalizer);
}

}  // namespace attnviz::tok
