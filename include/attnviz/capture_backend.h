#pragma once
// The seam between attnviz and a model format: what a capture backend does (load a
// model, find its attention, run it with taps, generate). TorchScript is one
// implementation (src/capture/torchscript/); a new format is a new implementation plus one
// line in the registry (src/capture/backends.cpp). Callers use Model (model.h).
#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "attnviz/attention.h"
#include "attnviz/model_io.h"

namespace attnviz {

// One parameter of the model's forward(), after `self`.
struct ForwardParam {
  enum class Kind { tensor, integer, other };
  std::string name;
  std::string type;  // as the format spells it, for messages
  Kind kind = Kind::other;
  bool has_default = false;
};

// An op that produces attention probabilities, as the backend found it.
struct FoundSite {
  std::string path;  // module path ("lm.layers.3.attn"), or empty when the graph carries none
  std::string op;    // "softmax" or "native_mha"
};

class CaptureBackend {
 public:
  virtual ~CaptureBackend() = default;

  virtual std::vector<ForwardParam> forward_params() const = 0;
  virtual std::vector<FoundSite> sites() const = 0;  // in execution order
  virtual std::vector<std::string> notes() const = 0;  // what the scan skipped, and why

  // What to pass for each forward() parameter, in order: "image", "input_ids", "budget",
  // or "" for its default. Called once, before the first run.
  virtual void bind_inputs(const std::vector<std::string>& sources) = 0;

  // Layers come back in request order with heads, tq, tk and the probabilities filled in;
  // the caller names them.
  virtual ForwardResult run(const ModelInputs& inputs, const CaptureRequest& request) const = 0;
  virtual ForwardResult forward_only(const ModelInputs& inputs) const = 0;
  virtual std::vector<SiteShape> probe_shapes(const ModelInputs& inputs) const = 0;
  virtual std::vector<int64_t> generate(const ModelInputs& prompt, int max_new_tokens, int64_t eos) const = 0;
  virtual std::vector<int64_t> generate(const ModelInputs& prompt, int max_new_tokens, int64_t eos,
                                        const CaptureRequest& request, ForwardResult* capture) const = 0;
};

struct BackendLoad {
  std::unique_ptr<CaptureBackend> backend;
  std::map<std::string, std::string> extra_files;  // name -> content, for those present
};

struct CaptureBackendType {
  const char* name;
  // Whether `path` is a model of this format (from its name and first bytes; cheap).
  bool (*recognizes)(const std::string& path);
  // Throws a model Error naming `path` when it cannot be loaded. `extra_files` are files
  // the archive may carry beside the model (e.g. attnviz.json).
  BackendLoad (*load)(const std::string& path, const std::string& device,
                      const std::vector<std::string>& extra_files);
  // Intra-op threads of this backend's compute library, process-wide.
  void (*set_threads)(int threads);
};

// Every backend this build has; the first is the default for files none recognizes.
const std::vector<CaptureBackendType>& capture_backends();

}  // namespace attnviz
