#pragma once
// A model with attention taps. Callers see plain data (sites, stacks, AttentionMap); the
// format is handled by a capture backend (capture_backend.h), TorchScript by default.
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "attnviz/attention.h"
#include "attnviz/metadata.h"
#include "attnviz/model_io.h"

namespace attnviz {

class CaptureBackend;

struct ModelOptions {
  std::string device = "cpu";  // "cpu" or "cuda"
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
  std::string name;  // "image", "input_ids" or "budget"
  std::string type;  // the argument's type, as the format spells it
};

// Whether `path` looks like a model file of a format this build reads (by its name and
// first bytes), e.g. to tell models from images among command-line arguments.
bool is_model_file(const std::string& path);

class Model {
 public:
  // Throws a model Error naming `path` when it is not a loadable model.
  static Model load(const std::string& path, const ModelOptions& options = {});
  ~Model();
  Model(Model&&) noexcept;
  Model& operator=(Model&&) noexcept;

  const std::string& path() const;
  const std::optional<Metadata>& metadata() const;
  const std::vector<Site>& sites() const;
  const std::vector<Stack>& stacks() const;
  const std::vector<ForwardInput>& inputs() const;
  bool takes(const std::string& input) const;  // "image", "input_ids", "budget"
  std::string default_stack() const;  // the stack that runs last
  std::vector<std::string> notes() const;  // what the graph scan skipped, and why
  // A file the archive carries beside the model (e.g. tokenizer.json), when it does.
  std::optional<std::string> extra_file(const std::string& name) const;

  // Whether sites() is final. A graph without module paths (a frozen one) keeps the
  // alternatives of an attention module as sites of their own, some of which never run
  // (nn.MultiheadAttention's slow path under no-grad); settle() runs the model once on
  // `inputs` and keeps the sites that ran, renumbering the layers. Call it before the
  // first selection of sites; it does nothing the second time, and is thread-safe.
  bool settled() const;
  void settle(const ModelInputs& inputs) const;

  ForwardResult run(const ModelInputs& inputs, const CaptureRequest& request) const;

  // The model's own forward(), untapped: `output`, `output_shape` and `last_logits` as in
  // run(), no layers. The baseline that benchmarks measure capture against.
  ForwardResult forward_only(const ModelInputs& inputs) const;

  // Per-site captured shape [heads, tq, tk] for these inputs, without materialising maps.
  std::vector<SiteShape> probe_shapes(const ModelInputs& inputs) const;

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

}  // namespace attnviz
