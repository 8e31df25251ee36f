#include "pieces.h"

#include <algorithm>

namespace attnviz::tok {

std::vector<Piece> split_piece(const Piece& piece, const std::vector<PatternPiece>& matches, SplitBehavior behavior,
                               bool invert) {
  struct Range {
    size_t start, end;
    bool drop;
  };
  std::vector<Range> ranges;
  ranges.reserve(matches.size());
  bool previous_match = false;
  // merged_with_next folds from the end, so walk the matches backwards for it.
  const bool backwards = behavior == SplitBehavior::merged_with_next;
  for (size_t k = 0; k < matches.size(); ++k) {
    const PatternPiece& m = matches[backwards ? matches.size() - 1 - k : k];
    const bool is_match = m.is_match != invert;
    switch (behavior) {
      case SplitBehavior::isolated:
        ranges.push_back({m.start, m.end, false});
        break;
      case SplitBehavior::removed:
        ranges.push_back({m.start, m.end, is_match});
        break;
      case SplitBehavior::contiguous:
        if (is_match == previous_match && !ranges.empty()) ranges.back().end = m.end;
        else ranges.push_back({m.start, m.end, false});
        break;
      case SplitBehavior::merged_with_previous:
        if (is_match && !previous_match && !ranges.empty()) ranges.back().end = m.end;
        else ranges.push_back({m.start, m.end, false});
        break;
      case SplitBehavior::merged_with_next:
        if (is_match && !previous_match && !ranges.empty()) ranges.back().start = m.start;
        else ranges.push_back({m.start, m.end, false});
        break;
    }
    previous_match = is_match;
  }
  if (backwards) std::reverse(ranges.begin(), ranges.end());

  std::vector<Piece> out;
  out.reserve(ranges.size());
  for (const Range& r : ranges) {
    if (r.drop) continue;
    out.push_back({piece.text.substr(r.start, r.end - r.start), piece.at_origin && r.start == 0, -1});
  }
  return out;
}

}  // namespace attnviz::tok
