#pragma once
// Finding attention in a TorchScript graph and tapping it. libtorch 1.13 has no C++
// forward hooks for loaded modules (hooks are compiled into the caller when scripting),
// so attnviz inlines a copy of forward() and makes the attention producers extra outputs
// of that copy. The module's own forward() is never touched.
#include <memory>
#include <string>
#include <vector>

#include <torch/script.h>

#include "attnviz/attention.h"

namespace attnviz::torchscript::capture {

struct ScannedSite {
  std::string name;   // module path, or empty when the graph carries none
  std::string op;     // "softmax" or "native_mha"
  std::vector<torch::jit::Node*> producers;  // alternatives (e.g. MHA fast and slow path)
};

struct GraphScan {
  std::shared_ptr<torch::jit::Graph> graph;  // inlined copy of forward()
  std::vector<ScannedSite> sites;            // in execution order
  std::vector<std::string> notes;            // what was skipped, and why
};

// Inlines a copy of `method` of `module` and finds the attention producers.
GraphScan scan_attention(const torch::jit::Module& module, const std::string& method = "forward");

// A copy of `scan` with its own graph (producers point into the copy), so one scan can be
// tapped for several plans: add_taps consumes what it is given.
GraphScan copy_scan(const GraphScan& scan);

enum class TapMode { fused, shape };

struct TapPlan {
  std::vector<int> sites;  // indices into GraphScan::sites
  HeadFusion fusion;
  bool per_head = false;
  TapMode mode = TapMode::fused;
  bool matrix = true;      // the fused [windows, tq, tk] matrix
  int max_side = 0;        // > 0: the matrix mean-pooled by ceil(max(tq, tk) / max_side)
  int last_rows = 0;       // > 0: also the fused rows 0 and the last `last_rows`
  // Rollout: per chain (a stack's layers 0..l, in order), the running product of the
  // layers' fused (A + I) / 2, rows renormalised, in float64; the product after each site
  // of `sites` is tapped instead of the matrix. Chain sites must have one producer, in
  // the graph's top block.
  std::vector<std::vector<int>> rollout_chains;
};

// Rewrites scan.graph (consumed) so it returns (original_output, (tap0, tap1, ...)).
// Per site and alternative producer: the shape [windows, heads, tq, tk]; in fused mode
// the sum of all the probabilities (to tell NaN and Inf anywhere), the matrix (heads fused, windows kept apart: [windows, tq, tk], or pooled) when
// plan.matrix, and the rows [windows, 1 + n, tk] when plan.last_rows; then the unfused
// [windows, heads, tq, tk] copies when per_head. Everything captured is float32, whatever
// the model computes in. A tap inside an untaken branch is an empty tensor.
// With plan.rollout_chains: per site of plan.sites, (shape, sum, rolled-out [tq, tk]).
std::shared_ptr<torch::jit::Graph> add_taps(GraphScan scan, const TapPlan& plan);

}  // namespace attnviz::torchscript::capture
