#pragma once
// A TorchScript model with attention taps. The only API that hides torch: callers see
// plain data (sites, stacks, AttentionMap), the implementation lives in src/capture/.
#include <cstdint>
#include <memory>
#include <array>
#include <optional>
#include <string>
#include <vector>

#include "attnviz/attention.h"
#include "attnviz/image_tensor.h"
#include "attnviz/metadata.h"

namespace attnviz {

struct ModelOptions {
  std::string device = "cpu";  // "cpu" or "cuda"
  int threads = 0;             // intra-op threads; 0: hardware concurrency
};

// One op that produces attention probabilities, found in the model's graph.
struct Site {
  std::string name;   // module path ("lm.layers.3.attn"), or "attention.K" when unnamed
  std::string stack;  // path up to the layer's numbered component ("lm.layers")
  int index = 0;      // 0-based within the stack, in execution order
  std::string op;     // "softmax" or "native_mha"
};

struct Stack {
  std::string name;
  std::vector<int> sites;  // indices into Model::sites(), in execution order
};

struct ForwardInput {
  std::string name;  // "image", "input_ids", "budget" or "int"/"tensor" when unknown
  std::string type;  // TorchScript type of the argument
};

struct ModelInputs {
  ImageTensor image;
  std::vector<int64_t> input_ids;  // empty for image-only models
  int budget = 0;                  // 0: the metadata's default (or none)
};

struct CaptureRequest {
  std::vector<int> sites;  // indices into Model::sites()
  HeadFusion fusion;
  bool per_head = false;   // also return unfused [heads, tq, tk]
};

struct ForwardResult {
  std::vector<AttentionMap> layers;  // in the order of CaptureRequest::sites
  std::vector<float> last_logits;    // logits of the last text position, when any
  std::vector<float> output;         // the model's own (first) output tensor, flattened
  std::vector<int64_t> output_shape;
};

class Model {
 public:
  // Throws a model Error naming `path` when it is not a loadable TorchScript archive.
  static Model load(const std::string& path, const ModelOptions& options);
  ~Model();
  Model(Model&&) noexcept;
  Model& operator=(Model&&) noexcept;

  const std::string& path() const;
  const std::optional<Metadata>& metadata() const;
  const std::vector<Site>& sites() const;
  const std::vector<Stack>& stacks() const;
  const std::vector<ForwardInput>& inputs() const;
  std::string default_stack() const;  // the stack that runs last
  std::vector<std::string> notes() const;  // what the graph scan skipped, and why

  ForwardResult run(const ModelInputs& inputs, const CaptureRequest& request) const;

  // The model's own forward(), untapped: `output`, `output_shape` and `last_logits` as in
  // run(), no layers. The baseline that benchmarks measure capture against.
  ForwardResult forward_only(const ModelInputs& inputs) const;

  // Per-site captured shape [heads, tq, tk] for these inputs, without materialising maps.
  std::vector<std::array<int, 3>> probe_shapes(const ModelInputs& inputs) const;

  // Greedy decoding with the bare forward; returns the new tokens (without EOS).
  std::vector<int64_t> generate(const ModelInputs& prompt, int max_new_tokens, int64_t eos) const;

  // The same decoding with the taps of `request` in every pass; `capture` receives what
  // run() returns for the prompt followed by the new tokens: the pass that produced EOS,
  // or one more pass when max_new_tokens ran out. One forward pass fewer than generate()
  // and then run(), with the same tokens and the same maps.
  std::vector<int64_t> generate(const ModelInputs& prompt, int max_new_tokens, int64_t eos,
                                const CaptureRequest& request, ForwardResult* capture) const;

 private:
  struct Impl;
  explicit Model(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

bool cuda_available();

}  // namespace attnviz
