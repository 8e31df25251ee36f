#pragma once
// Whose attention an overlay shows (the query rows) and the map over the image tokens.
#include <optional>
#include <string>
#include <vector>

#include "attnviz/attention.h"
#include "attnviz/token_layout.h"

namespace attnviz {

struct QuerySpec {
  enum class Kind { last, cls, answer, text, range };
  Kind kind = Kind::last;
  int first = 0;  // for range: rows [first, last] inclusive, negatives from the end
  int last = 0;
  std::string str() const;
};

// "last", "cls", "answer", "text", "N" or "A:B" (negatives count from the end).
QuerySpec parse_query(const std::string& text);

// What the rows are resolved against: a stack's sequence, as its layout places the text.
struct SequenceLayout {
  int tq = 0;
  int tk = 0;               // query row r is key position r + (tk - tq)
  std::vector<int> text;    // key position of each text token: the prompt's, then the answer's
  int prompt_len = 0;       // text tokens of the prompt (BOS included, image placeholders not)
  int answer_len = 0;       // generated answer tokens fed back (teacher forcing)
  std::optional<int> cls;   // key position of the first prefix (CLS) token, when there is one
};

// The query rows; throws a usage Error about option "query" when the spec does not fit
// the sequence.
std::vector<int> query_rows(const QuerySpec& q, const SequenceLayout& s);

// The attention of `rows` (averaged) over the image tokens, on the patch grid.
struct ImageMap {
  int grid_h = 0;
  int grid_w = 0;
  std::vector<float> values;  // [grid_h, grid_w], raw probabilities (not renormalised)
  float image_mass = 0;       // total attention the rows give the image tokens
  int peak_row = 0;           // grid cell of the maximum
  int peak_col = 0;
};

ImageMap image_map(const std::vector<float>& matrix, int tq, int tk, const std::vector<int>& rows,
                   const TokenSpan& span);
// The same from a captured layer, whose rows may be stored without the rest of the matrix
// (AttentionMap::query_row); rows it lacks count as no attention.
ImageMap image_map(const AttentionMap& layer, const std::vector<int>& rows, const TokenSpan& span);

}  // namespace attnviz
