#pragma once
// What goes into a model run and what comes out, as plain data.
#include <cstdint>
#include <vector>

#include "attnviz/attention.h"
#include "attnviz/image_tensor.h"

namespace attnviz {

struct ModelInputs {
  ImageTensor image;
  std::vector<int64_t> input_ids;  // empty for image-only models
  int budget = 0;                  // 0: the metadata's default (or none)
};

struct CaptureRequest {
  std::vector<int> sites;  // indices into Model::sites()
  HeadFusion fusion;
  bool per_head = false;   // also return unfused [windows, heads, tq, tk]
  // What of the fused attention to keep (AttentionMap): the matrix, mean-pooled to at
  // most max_matrix_side rows and columns when that is > 0; and/or, with last_rows > 0,
  // query row 0 and the last `last_rows` rows alone, so that memory grows with rows x tk
  // instead of tq x tk.
  bool matrix = true;
  int max_matrix_side = 0;
  int last_rows = 0;
  // Attention rollout computed during the forward, layer by layer: each chain is a
  // stack's layers 0..l in order, and `sites` (all in chains) return their rolled-out
  // [tq, tk] matrix as AttentionMap::fused instead of the raw one. Only one running
  // product per chain is held, never every layer's matrix; a layer inside If branches is
  // carried past them. A model Error when the chain cannot be carried (a scripted
  // nn.MultiheadAttention with both its paths, windowed or non-square attention, a layer
  // that did not run); attention_rollout() over raw maps then says which layer.
  std::vector<std::vector<int>> rollout_chains;
};

// What a site captured for some inputs, without the values.
struct SiteShape {
  int windows = 0;  // 0: the site did not run for these inputs
  int heads = 0;
  int tq = 0;
  int tk = 0;
  bool ran() const { return windows > 0; }
};

struct ForwardResult {
  std::vector<AttentionMap> layers;  // in the order of CaptureRequest::sites
  std::vector<float> last_logits;    // logits of the last text position, when any
  std::vector<float> output;         // the model's own (first) output tensor, flattened
  std::vector<int64_t> output_shape;
};

}  // namespace attnviz
