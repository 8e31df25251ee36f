#pragma once
// Captured attention as plain C++ data: what the model layer hands to rendering and
// reports. No torch types beyond this point.
#include <string>
#include <vector>

namespace attnviz {

// How the heads of one layer are combined, inside the model graph at capture time.
struct HeadFusion {
  enum class Kind { mean, max, min, head, all };
  Kind kind = Kind::mean;
  int head = 0;  // for Kind::head

  std::string str() const;  // "mean", "max", "min", "head:3", "all"
};

// Parses "mean", "max", "min", "all" or a head index "3".
HeadFusion parse_head_fusion(const std::string& text);

struct AttentionMap {
  std::string stack;  // e.g. "lm.layers"
  int index = 0;      // 0-based layer index within the stack
  std::string name;   // module path, e.g. "lm.layers.3.attn"
  int heads = 0;      // captured shape is [heads, tq, tk]
  int tq = 0;
  int tk = 0;
  HeadFusion fusion;
  // Fused values: [tq, tk] row-major, or [heads, tq, tk] for HeadFusion::Kind::all.
  std::vector<float> fused;
  // Unfused per-head probabilities [heads, tq, tk]; only when asked for (npy).
  std::vector<float> per_head;

  // Row-major [tq, tk] matrix of the fused values; for Kind::all the head mean.
  std::vector<float> matrix() const;
};

}  // namespace attnviz
