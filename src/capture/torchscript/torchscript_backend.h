#pragma once
// A loaded TorchScript module behind the CaptureBackend interface: forward() is scanned
// once for attention producers, and each set of taps gets its own rewritten copy of the
// graph (graph_taps.h), cached. The module's own forward() is never changed.
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <torch/csrc/jit/api/function_impl.h>
#include <torch/script.h>

#include "attnviz/capture_backend.h"
#include "graph_taps.h"

namespace attnviz::torchscript {

// libtorch's messages carry a C++ backtrace after their first line; errors keep that line.
std::string first_line(const std::string& s);

class TorchScriptBackend : public CaptureBackend {
 public:
  TorchScriptBackend(std::string path, torch::jit::Module module, c10::Device device);

  std::vector<ForwardParam> forward_params() const override;
  std::vector<FoundSite> sites() const override;
  std::vector<std::string> notes() const override { return scan_.notes; }
  void bind_inputs(const std::vector<std::string>& sources) override;

  ForwardResult run(const ModelInputs& inputs, const CaptureRequest& request) const override;
  ForwardResult forward_only(const ModelInputs& inputs) const override;
  std::vector<SiteShape> probe_shapes(const ModelInputs& inputs) const override;
  std::vector<int64_t> generate(const ModelInputs& prompt, int max_new_tokens, int64_t eos) const override;
  std::vector<int64_t> generate(const ModelInputs& prompt, int max_new_tokens, int64_t eos,
                                const CaptureRequest& request, ForwardResult* capture) const override;

 private:
  std::vector<c10::IValue> arguments(const ModelInputs& in) const;
  c10::IValue call(torch::jit::GraphFunction& fn, const ModelInputs& in) const;
  torch::jit::GraphFunction& forward() const;
  std::shared_ptr<torch::jit::GraphFunction> tapped_function(const capture::TapPlan& plan) const;
  capture::TapPlan plan_for(const CaptureRequest& request) const;
  ForwardResult captured(c10::IValue out, const capture::TapPlan& plan) const;  // the taps as plain data
  ForwardResult captured_rollout(c10::IValue out, const capture::TapPlan& plan) const;
  int64_t next_token(const c10::IValue& output) const;  // greedy, from the logits

  std::string path_;
  torch::jit::Module module_;
  c10::Device device_;
  std::vector<std::string> sources_;  // per forward() parameter; "" passes its default
  std::vector<int> producers_per_site_;
  capture::GraphScan scan_;  // of forward(), made once at load; copied for each tap plan

  mutable std::mutex cache_mutex_;
  mutable std::map<std::string, std::shared_ptr<torch::jit::GraphFunction>> tapped_;
};

}  // namespace attnviz::torchscript
