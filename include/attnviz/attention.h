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
  // Windowed attention (Swin) folds its windows into the batch: each window is a
  // [heads, tq, tk] attention of its own. 1 for everything else.
  int windows = 1;
  int heads = 0;      // captured shape is [windows, heads, tq, tk]
  int tq = 0;
  int tk = 0;
  HeadFusion fusion;
  // Fused values: [windows, tq, tk] row-major, or [windows, heads, tq, tk] for
  // HeadFusion::Kind::all. Pooled (pool > 1): [windows, ceil(tq / pool), ceil(tk / pool)],
  // each value the mean of the pool x pool cells it covers. Empty when only rows were
  // captured.
  std::vector<float> fused;
  int pool = 1;
  // Some query rows alone, when the whole matrix was not needed: `rows` are their indices
  // (of tq), `row_values` the fused [windows, rows, tk] values.
  std::vector<int> rows;
  std::vector<float> row_values;
  // Unfused per-head probabilities [windows, heads, tq, tk]; only when asked for (npy).
  std::vector<float> per_head;
  bool finite = true;  // no NaN or Inf anywhere in the layer's attention, captured or not

  bool windowed() const { return windows > 1; }
  // Row-major [tq, tk] matrix of the fused values; for Kind::all the head mean. Empty
  // for a windowed layer (its windows are not one matrix, and never averaged into one),
  // a pooled one, or when only rows were captured.
  std::vector<float> matrix() const;
  // What the matrix view can show: the [rows, cols] fused matrix as stored (pooled or
  // not; for Kind::all the head mean); empty when there is none.
  std::vector<float> stored_matrix(int* rows, int* cols) const;
  // Query row r's fused values over the tk keys (window 0), from the matrix or the rows
  // captured; nullptr when it was not captured, or (HeadFusion::Kind::all) is per head.
  const float* query_row(int r) const;
  // Whether query row r was captured (in any form).
  bool has_row(int r) const;
};

}  // namespace attnviz
