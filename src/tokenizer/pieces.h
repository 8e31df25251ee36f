#pragma once
// Text on its way to the model: pieces that are either an added token, already decided,
// or a stretch of (normalized) text that pre-tokenizers cut further and the model then
// tokenizes on its own.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "onig_regex.h"

namespace attnviz::tok {

struct Piece {
  std::string text;
  // Whether the piece begins where the input text begins (Metaspace's "first" scheme
  // adds its marker only there).
  bool at_origin = false;
  int32_t token = -1;  // the id of the added token this piece is, -1 for text
  bool is_token() const { return token >= 0; }
};

// Replaces each text piece with `cut(piece)`, dropping empty results as Hugging Face's
// PreTokenizedString::split does; added-token pieces stay as they are.
template <class Cut>  // std::vector<Piece> Cut(Piece&&)
void cut_text_pieces(std::vector<Piece>& pieces, Cut cut) {
  std::vector<Piece> out;
  out.reserve(pieces.size());
  for (Piece& p : pieces) {
    if (p.is_token()) {
      out.push_back(std::move(p));
      continue;
    }
    for (Piece& q : cut(std::move(p))) {
      if (!q.text.empty()) out.push_back(std::move(q));
    }
  }
  pieces = std::move(out);
}

// How a split pattern's matches are kept (tokenizer.json's "behavior").
enum class SplitBehavior { removed, isolated, merged_with_previous, merged_with_next, contiguous };

// The sub-pieces of `piece` that `matches` (from Regex::find_matches) and `behavior`
// give; `invert` swaps which pieces count as matches.
std::vector<Piece> split_piece(const Piece& piece, const std::vector<PatternPiece>& matches, SplitBehavior behavior,
                               bool invert = false);

}  // namespace attnviz::tok
