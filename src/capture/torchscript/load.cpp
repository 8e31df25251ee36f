// Loading a TorchScript archive: the module, its extra files, forward()'s parameters and
// the attention sites of its graph.
#include <dlfcn.h>

#include <ATen/Parallel.h>
#include <torch/cuda.h>

#include "attnviz/error.h"
#include "torchscript.h"
#include "torchscript_backend.h"

namespace attnviz::torchscript {
namespace {

c10::Device device_for(const std::string& device) {
  if (device == "cuda") {
    if (!torch::cuda::is_available())
      fail_option("device", " cuda: this libtorch build has no CUDA support or no GPU is visible");
    return c10::Device(c10::kCUDA);
  }
  if (device != "cpu") fail_option("device", ": unknown device '" + device + "' (cpu or cuda)");
  return c10::Device(c10::kCPU);
}

torch::jit::Module load_module(const std::string& path, c10::Device device, torch::jit::ExtraFilesMap& extra) {
  try {
    return torch::jit::load(path, device, extra);
  } catch (const c10::Error& e) {
    std::string why = first_line(e.what_without_backtrace());
    if (why.find("PytorchStreamReader") != std::string::npos || why.find("constants.pkl") != std::string::npos)
      why = "not a TorchScript archive (torch.jit.save output expected; a torch.save "
            "state_dict or a truncated file cannot be loaded): " + why;
    fail_model(path, why);
  } catch (const std::exception& e) {
    fail_model(path, "cannot load: " + first_line(e.what()));
  }
}

}  // namespace

TorchScriptBackend::TorchScriptBackend(std::string path, torch::jit::Module module, c10::Device device)
    : path_(std::move(path)), module_(std::move(module)), device_(device) {
  module_.eval();
  if (!module_.find_method("forward")) fail_model(path_, "the module has no forward() method");
  try {
    scan_ = capture::scan_attention(module_);
  } catch (const std::exception& e) {
    fail_model(path_, std::string("cannot read the forward graph: ") + first_line(e.what()));
  }
  for (const auto& s : scan_.sites) producers_per_site_.push_back(static_cast<int>(s.producers.size()));
}

std::vector<ForwardParam> TorchScriptBackend::forward_params() const {
  std::vector<ForwardParam> params;
  const auto& args = module_.get_method("forward").function().getSchema().arguments();
  for (size_t i = 1; i < args.size(); ++i) {  // after self
    ForwardParam p;
    p.name = args[i].name();
    p.type = args[i].type()->str();
    const auto kind = args[i].type()->kind();
    p.kind = kind == c10::TypeKind::TensorType ? ForwardParam::Kind::tensor
             : kind == c10::TypeKind::IntType  ? ForwardParam::Kind::integer
                                               : ForwardParam::Kind::other;
    p.has_default = args[i].default_value().has_value();
    params.push_back(p);
  }
  return params;
}

std::vector<FoundSite> TorchScriptBackend::sites() const {
  std::vector<FoundSite> out;
  for (const auto& s : scan_.sites) out.push_back({s.name, s.op});
  return out;
}

void TorchScriptBackend::bind_inputs(const std::vector<std::string>& sources) { sources_ = sources; }

BackendLoad load(const std::string& path, const std::string& device, const std::vector<std::string>& extra_files) {
  const c10::Device dev = device_for(device);
  torch::jit::ExtraFilesMap extra;
  for (const auto& name : extra_files) extra[name] = "";
  torch::jit::Module module = load_module(path, dev, extra);
  BackendLoad loaded;
  loaded.backend = std::make_unique<TorchScriptBackend>(path, std::move(module), dev);
  for (const auto& [name, content] : extra)
    if (!content.empty()) loaded.extra_files[name] = content;
  return loaded;
}

void set_threads(int threads) {
  at::set_num_threads(threads);
  // OpenBLAS's own pool stays at one thread, whatever `threads` is: it splits a large
  // matrix product differently for each thread count, which moves the last bits of the
  // results, and outputs must not depend on how the cores were split between jobs and
  // threads (README, "Batches and CI"). libtorch would leave it at every core.
  using SetThreads = void (*)(int);
  if (auto set = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) set(1);
}

}  // namespace attnviz::torchscript
