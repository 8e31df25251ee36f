#include "attnviz/model.h"

#include <dlfcn.h>
#include <malloc.h>
#include <sys/stat.h>

#include <cstdlib>
#include <cstring>

#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include <torch/csrc/jit/api/function_impl.h>
#include <torch/csrc/jit/runtime/graph_executor.h>
#include <ATen/Parallel.h>
#include <torch/cuda.h>
#include <torch/script.h>

#include "attnviz/error.h"
#include "attnviz/interrupt.h"
#include "attnviz/site_names.h"
#include "graph_taps.h"

// Idle worker threads that spin instead of sleeping take the core the main thread needs on
// a machine whose other cores are busy. libtorch's intra-op threads are libgomp's, which
// spin up to ~3 ms after every parallel region: one bundled-model image at --threads 2
// took 3.3 s instead of 0.85 s. OpenBLAS's own workers yield-spin ~0.1 s after every
// threaded matmul: a million sched_yield calls, 1.1 s of system time, for 40 images
// (bench/README.md). Both libraries read their setting once, in their initialisers, before
// main() (and libc resets the environment after .preinit_array), so the executable answers
// their getenv() itself: the environment's value as ever, and when it is unset, sleep
// when idle (OMP_WAIT_POLICY=PASSIVE, OPENBLAS_THREAD_TIMEOUT=4, OpenBLAS's minimum).
// Calls from other libraries get exactly libc's answer.
extern "C" char** environ;
extern "C" char* getenv(const char* name) noexcept {
  const size_t n = std::strlen(name);
  if (environ)
    for (char** e = environ; *e; ++e)
      if (std::strncmp(*e, name, n) == 0 && (*e)[n] == '=') return *e + n + 1;
  if (std::strcmp(name, "OMP_WAIT_POLICY") == 0) return const_cast<char*>("PASSIVE");
  if (std::strcmp(name, "OPENBLAS_THREAD_TIMEOUT") == 0) return const_cast<char*>("4");
  return nullptr;
}

namespace attnviz {
namespace {

std::string first_line(const std::string& s) {
  auto end = s.find('\n');
  std::string line = s.substr(0, end);
  while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.pop_back();
  return line;
}

// The last non-empty line of a TorchScript interpreter error, without its "XError: " prefix.
std::string interpreter_message(const std::string& what) {
  const size_t end = what.find_last_not_of(" \n");
  if (end == std::string::npos) return what;
  const size_t newline = what.rfind('\n', end);
  std::string line = what.substr(newline == std::string::npos ? 0 : newline + 1);
  line.erase(line.find_last_not_of(" \n") + 1);
  const size_t colon = line.find("Error: ");
  if (colon != std::string::npos && line.find(' ') > colon) line.erase(0, colon + 7);
  return line;
}

at::Tensor image_tensor(const ImageTensor& image) {
  auto t = torch::from_blob(const_cast<float*>(image.data.data()),
                            {1, image.channels, image.height, image.width}, torch::kFloat32);
  return t.clone();
}

std::vector<float> to_floats(const at::Tensor& t) {
  auto c = t.to(torch::kFloat32).contiguous().cpu();
  return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

at::Tensor first_tensor(const c10::IValue& v) {
  if (v.isTensor()) return v.toTensor();
  if (v.isTuple()) {
    for (const auto& e : v.toTupleRef().elements())
      if (e.isTensor()) return e.toTensor();
  }
  if (v.isList()) {
    for (const auto& e : v.toListRef())
      if (e.isTensor()) return e.toTensor();
  }
  return {};
}

// The model's own (first) output, and the logits of the last text position.
void fill_output(ForwardResult& result, const c10::IValue& output) {
  at::Tensor logits = first_tensor(output);
  if (logits.defined()) {
    result.output = to_floats(logits);
    result.output_shape.assign(logits.sizes().begin(), logits.sizes().end());
  }
  if (logits.defined() && logits.dim() >= 2) {
    auto last = logits.dim() == 3 ? logits[0][-1] : logits[-1];
    result.last_logits = to_floats(last);
  }
}

std::string plan_key(const capture::TapPlan& p) {
  std::string key = p.fusion.str() + (p.per_head ? "+heads" : "") +
                    (p.mode == capture::TapMode::shape ? "+shape" : "") + ":";
  for (int s : p.sites) key += std::to_string(s) + ",";
  return key;
}

}  // namespace

struct Model::Impl {
  std::string path;
  torch::jit::Module module;
  c10::Device device{c10::kCPU};
  std::optional<Metadata> metadata;
  std::vector<Site> sites;
  std::vector<Stack> stacks;
  std::vector<ForwardInput> inputs;
  std::vector<c10::IValue> trailing_defaults;  // forward() arguments we never pass
  std::vector<int> producers_per_site;
  std::vector<std::string> notes;
  capture::GraphScan scan;  // of forward(), made once at load; copied for each tap plan

  std::mutex cache_mutex;
  std::map<std::string, std::shared_ptr<torch::jit::GraphFunction>> tapped;

  std::vector<c10::IValue> arguments(const ModelInputs& in) const;
  std::shared_ptr<torch::jit::GraphFunction> tapped_function(const capture::TapPlan& plan);
  capture::TapPlan plan_for(const CaptureRequest& request) const;
  // A tapped function's output as plain data.
  ForwardResult captured(c10::IValue out, const capture::TapPlan& plan) const;
  int64_t next_token(const c10::IValue& output) const;  // greedy, from the logits
  c10::IValue call(torch::jit::GraphFunction& fn, const ModelInputs& in) const;
};

std::vector<c10::IValue> Model::Impl::arguments(const ModelInputs& in) const {
  std::vector<c10::IValue> args;
  for (const auto& input : inputs) {
    if (input.name == "image") {
      if (in.image.data.empty()) fail_usage(path + ": forward() takes an image");
      args.emplace_back(image_tensor(in.image).to(device));
    } else if (input.name == "input_ids") {
      if (in.input_ids.empty())
        fail_usage(path + ": forward() takes input_ids: pass --prompt (needs a tokenizer in "
                   "the metadata) or --input-ids");
      auto ids = torch::tensor(in.input_ids, torch::kInt64).unsqueeze(0);
      args.emplace_back(ids.to(device));
    } else if (input.name == "budget") {
      int budget = in.budget ? in.budget : (metadata ? metadata->default_budget : 0);
      if (budget <= 0) fail_usage(path + ": forward() takes a budget: pass --budget");
      args.emplace_back(static_cast<int64_t>(budget));
    } else {
      fail_model(path, "forward() argument '" + input.name + "' (" + input.type +
                           ") is not one attnviz can supply (image, input_ids, budget)");
    }
  }
  args.insert(args.end(), trailing_defaults.begin(), trailing_defaults.end());
  return args;
}

c10::IValue Model::Impl::call(torch::jit::GraphFunction& fn, const ModelInputs& in) const {
  std::vector<c10::IValue> stack;
  stack.emplace_back(module._ivalue());
  for (auto& a : arguments(in)) stack.push_back(std::move(a));
  // The graph executor's optimising passes (profiling runs, then re-optimisation for each
  // new function) cost ~150 ms per function on the first calls and bought nothing
  // measurable on CPU afterwards (bench/README.md): a one-image run paid ~0.6 s for them.
  // On CPU attnviz runs the graphs unoptimised (the setting is thread-local, so this only
  // affects this call); on CUDA the executor may fuse, so it keeps its default there.
  torch::jit::GraphOptimizerEnabledGuard optimize(device.is_cuda());
  try {
    fn.run(stack);
  } catch (const c10::Error& e) {
    fail_model(path, "forward() failed: " + first_line(e.what_without_backtrace()));
  } catch (const std::runtime_error& e) {
    // An op failing inside a scripted submodule arrives as the interpreter's
    // runtime_error: TorchScript tracebacks, then "RuntimeError: <the op's message>".
    fail_model(path, "forward() failed: " + interpreter_message(e.what()));
  }
  return stack.back();
}

std::shared_ptr<torch::jit::GraphFunction> Model::Impl::tapped_function(
    const capture::TapPlan& plan) {
  const std::string key = plan_key(plan);
  std::lock_guard<std::mutex> lock(cache_mutex);
  auto it = tapped.find(key);
  if (it != tapped.end()) return it->second;
  std::shared_ptr<torch::jit::Graph> graph;
  try {
    graph = capture::add_taps(capture::copy_scan(scan), plan);
  } catch (const c10::Error& e) {
    fail_model(path, std::string("cannot tap attention: ") + first_line(e.what_without_backtrace()));
  } catch (const std::exception& e) {
    std::string why = e.what();
    why.erase(0, why.find_first_not_of(" \n"));
    fail_model(path, std::string("cannot tap attention: ") + first_line(why));
  }
  auto fn = std::make_shared<torch::jit::GraphFunction>("attnviz_capture", graph, nullptr);
  tapped[key] = fn;
  return fn;
}

Model::Model(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Model::~Model() = default;
Model::Model(Model&&) noexcept = default;
Model& Model::operator=(Model&&) noexcept = default;

bool cuda_available() { return torch::cuda::is_available(); }

Model Model::load(const std::string& path, const ModelOptions& options) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) fail_model(path, "no such file");
  if (S_ISDIR(st.st_mode)) fail_model(path, "is a directory, not a TorchScript model");
  // A FIFO or a device would block or never end inside torch::jit::load.
  if (!S_ISREG(st.st_mode)) fail_model(path, "not a regular file (a device, FIFO or socket), not a TorchScript model");

  auto impl = std::make_unique<Impl>();
  impl->path = path;
  if (options.device == "cuda") {
    if (!torch::cuda::is_available())
      fail_usage("--device cuda: this libtorch build has no CUDA support or no GPU is visible");
    impl->device = c10::Device(c10::kCUDA);
  } else if (options.device != "cpu") {
    fail_usage("--device: unknown device '" + options.device + "' (cpu or cuda)");
  }
  int threads = options.threads > 0 ? options.threads
                                    : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  at::set_num_threads(threads);
#ifdef __GLIBC__
  // Activations of a few MB come from glibc's heap, whose top is given back to the system
  // whenever more than twice the largest such block is free, and faulted in again by the
  // next layer. Captured maps, kept to the end of the call, change where that top is: in
  // about half of the processes a tapped forward at 512 tokens then took 1.45x the bare
  // one instead of 1.03x (bench/README.md). Keeping 64 MiB of padding at the top (grown
  // into, kept when trimming) removed that, and did not raise the peak RSS measured.
  static std::once_flag malloc_tuned;
  std::call_once(malloc_tuned, [] { mallopt(M_TOP_PAD, 64 << 20); });
#endif
  // libtorch leaves OpenBLAS's own thread pool at every core, so --threads 1 still ran
  // large matmuls on two threads (and two jobs on four). Set it too when OpenBLAS is the
  // BLAS in use.
  using SetThreads = void (*)(int);
  if (auto set = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) set(threads);

  torch::jit::ExtraFilesMap extra{{kMetadataFile, ""}};
  try {
    impl->module = torch::jit::load(path, impl->device, extra);
  } catch (const c10::Error& e) {
    std::string why = first_line(e.what_without_backtrace());
    if (why.find("PytorchStreamReader") != std::string::npos ||
        why.find("constants.pkl") != std::string::npos)
      why = "not a TorchScript archive (torch.jit.save output expected; a torch.save "
            "state_dict or a truncated file cannot be loaded): " + why;
    fail_model(path, why);
  } catch (const std::exception& e) {
    fail_model(path, "cannot load: " + first_line(e.what()));
  }
  impl->module.eval();
  if (!extra[kMetadataFile].empty())
    impl->metadata = parse_metadata(extra[kMetadataFile], path);

  auto forward = impl->module.find_method("forward");
  if (!forward) fail_model(path, "the module has no forward() method");
  const auto& args = forward->function().getSchema().arguments();
  std::vector<const c10::Argument*> params;
  for (size_t i = 1; i < args.size(); ++i) params.push_back(&args[i]);
  if (impl->metadata) {
    const auto& names = impl->metadata->inputs;
    size_t required = 0;
    for (auto* a : params)
      if (!a->default_value()) ++required;
    if (names.size() < required || names.size() > params.size())
      fail_model(path, "metadata lists " + std::to_string(names.size()) +
                           " inputs but forward() takes " + std::to_string(params.size()));
    for (size_t i = 0; i < names.size(); ++i)
      impl->inputs.push_back({names[i], params[i]->type()->str()});
    for (size_t i = names.size(); i < params.size(); ++i)
      impl->trailing_defaults.push_back(*params[i]->default_value());
  } else {
    int tensors = 0;
    for (auto* a : params) {
      const auto& type = a->type();
      std::string name;
      if (type->kind() == c10::TypeKind::TensorType) {
        name = tensors++ == 0 ? "image" : (tensors == 2 ? "input_ids" : "");
      } else if (type->kind() == c10::TypeKind::IntType) {
        name = "budget";
      }
      if (name.empty() || (a->default_value() && name != "image" && name != "input_ids")) {
        if (a->default_value()) {
          impl->trailing_defaults.push_back(*a->default_value());
          continue;
        }
        fail_model(path, "forward() argument '" + a->name() + "' (" + type->str() +
                             ") is not one attnviz can supply (image, input_ids, budget)");
      }
      impl->inputs.push_back({name, type->str()});
    }
  }

  capture::GraphScan scan;
  try {
    scan = capture::scan_attention(impl->module);
  } catch (const std::exception& e) {
    fail_model(path, std::string("cannot read the forward graph: ") + first_line(e.what()));
  }
  impl->notes = scan.notes;
  int unnamed = 0;
  for (const auto& s : scan.sites) {
    Site site;
    site.name = s.name.empty() ? "attention." + std::to_string(unnamed++) : s.name;
    site.stack = s.name.empty() ? "attention" : stack_of(s.name);
    site.op = s.op;
    impl->producers_per_site.push_back(static_cast<int>(s.producers.size()));
    impl->sites.push_back(site);
  }
  for (size_t i = 0; i < impl->sites.size(); ++i) {
    auto& site = impl->sites[i];
    auto it = std::find_if(impl->stacks.begin(), impl->stacks.end(),
                           [&](const Stack& s) { return s.name == site.stack; });
    if (it == impl->stacks.end()) {
      impl->stacks.push_back({site.stack, {}});
      it = impl->stacks.end() - 1;
    }
    site.index = static_cast<int>(it->sites.size());
    it->sites.push_back(static_cast<int>(i));
  }
  impl->scan = std::move(scan);
  return Model(std::move(impl));
}

const std::string& Model::path() const { return impl_->path; }
const std::optional<Metadata>& Model::metadata() const { return impl_->metadata; }
const std::vector<Site>& Model::sites() const { return impl_->sites; }
const std::vector<Stack>& Model::stacks() const { return impl_->stacks; }
const std::vector<ForwardInput>& Model::inputs() const { return impl_->inputs; }
std::vector<std::string> Model::notes() const { return impl_->notes; }

std::string Model::default_stack() const {
  if (impl_->sites.empty()) return "";
  return impl_->sites.back().stack;
}

capture::TapPlan Model::Impl::plan_for(const CaptureRequest& request) const {
  capture::TapPlan plan;
  plan.sites = request.sites;
  plan.fusion = request.fusion;
  plan.per_head = request.per_head;
  for (int s : plan.sites)
    if (s < 0 || s >= static_cast<int>(sites.size()))
      throw std::out_of_range("site index out of range");
  return plan;
}

ForwardResult Model::run(const ModelInputs& inputs, const CaptureRequest& request) const {
  c10::InferenceMode inference;
  const capture::TapPlan plan = impl_->plan_for(request);
  auto fn = impl_->tapped_function(plan);
  return impl_->captured(impl_->call(*fn, inputs), plan);
}

ForwardResult Model::Impl::captured(c10::IValue out, const capture::TapPlan& plan) const {
  ForwardResult result;
  // The taps are taken out of the output and each is freed once copied, so that copying
  // them does not hold the tensors and their copies at once: capturing all 24 layers at
  // 2048 tokens peaked at 973 MiB that way, against 360 MiB bare (bench/README.md).
  std::vector<c10::IValue> taps;
  {
    std::vector<c10::IValue> elements = out.toTupleRef().elements().vec();
    out = c10::IValue();
    fill_output(result, elements[0]);
    taps = elements[1].toTupleRef().elements().vec();
  }
  auto take = [&](size_t i) {
    at::Tensor t = taps.at(i).toTensor();
    taps[i] = c10::IValue();
    return t;
  };
  size_t pos = 0;
  for (int s : plan.sites) {
    // Per producer: shape, fused, then (after all producers) the unfused copies.
    const int n = producers_per_site[s];
    int ran = -1;
    std::vector<at::Tensor> shapes, fused, unfused;
    for (int k = 0; k < n; ++k) {
      shapes.push_back(take(pos++));
      fused.push_back(take(pos++));
    }
    if (plan.per_head)
      for (int k = 0; k < n; ++k) unfused.push_back(take(pos++));
    for (int k = 0; k < n && ran < 0; ++k)
      if (shapes[k].numel() == 3) ran = k;
    const auto& site = sites[s];
    if (ran < 0) fail_model(path, "attention site " + site.name + " did not run");
    AttentionMap map;
    map.stack = site.stack;
    map.index = site.index;
    map.name = site.name;
    auto shape = shapes[ran].cpu();
    map.heads = static_cast<int>(shape[0].item<int64_t>());
    map.tq = static_cast<int>(shape[1].item<int64_t>());
    map.tk = static_cast<int>(shape[2].item<int64_t>());
    map.fusion = plan.fusion;
    map.fused = to_floats(fused[ran]);
    fused.clear();
    if (plan.per_head) map.per_head = to_floats(unfused[ran]);
    result.layers.push_back(std::move(map));
  }
  return result;
}

ForwardResult Model::forward_only(const ModelInputs& inputs) const {
  c10::InferenceMode inference;
  auto& forward = torch::jit::toGraphFunction(impl_->module.get_method("forward").function());
  ForwardResult result;
  fill_output(result, impl_->call(forward, inputs));
  return result;
}

std::vector<std::array<int, 3>> Model::probe_shapes(const ModelInputs& inputs) const {
  c10::InferenceMode inference;
  capture::TapPlan plan;
  for (size_t i = 0; i < impl_->sites.size(); ++i) plan.sites.push_back(static_cast<int>(i));
  plan.mode = capture::TapMode::shape;
  auto fn = impl_->tapped_function(plan);
  auto out = impl_->call(*fn, inputs);
  const auto& taps = out.toTupleRef().elements()[1].toTupleRef().elements();
  std::vector<std::array<int, 3>> shapes;
  size_t pos = 0;
  for (int s : plan.sites) {
    std::array<int, 3> shape{0, 0, 0};
    for (int k = 0; k < impl_->producers_per_site[s]; ++k) {
      auto t = taps.at(pos++).toTensor().cpu();
      if (t.numel() == 3)
        for (int d = 0; d < 3; ++d) shape[d] = static_cast<int>(t[d].item<int64_t>());
    }
    shapes.push_back(shape);
  }
  return shapes;
}

int64_t Model::Impl::next_token(const c10::IValue& output) const {
  at::Tensor logits = first_tensor(output);
  if (!logits.defined() || logits.dim() < 2)
    fail_model(path, "forward() does not return logits [1, L, V]; cannot generate");
  auto last = logits.dim() == 3 ? logits[0][-1] : logits[-1];
  if (!torch::isfinite(last).all().item<bool>()) fail_model(path, "forward() returned NaN or Inf logits");
  return last.argmax().item<int64_t>();
}

std::vector<int64_t> Model::generate(const ModelInputs& prompt, int max_new_tokens,
                                     int64_t eos) const {
  c10::InferenceMode inference;
  ModelInputs in = prompt;
  std::vector<int64_t> generated;
  auto& forward = torch::jit::toGraphFunction(impl_->module.get_method("forward").function());
  for (int step = 0; step < max_new_tokens; ++step) {
    throw_if_interrupted();
    int64_t next = impl_->next_token(impl_->call(forward, in));
    if (next == eos) break;
    generated.push_back(next);
    in.input_ids.push_back(next);
  }
  return generated;
}

std::vector<int64_t> Model::generate(const ModelInputs& prompt, int max_new_tokens, int64_t eos,
                                     const CaptureRequest& request, ForwardResult* capture) const {
  c10::InferenceMode inference;
  const capture::TapPlan plan = impl_->plan_for(request);
  auto fn = impl_->tapped_function(plan);
  ModelInputs in = prompt;
  std::vector<int64_t> generated;
  c10::IValue out;
  bool ended = false;  // the last pass's input is the prompt and every generated token
  for (int step = 0; step < max_new_tokens && !ended; ++step) {
    throw_if_interrupted();
    out = c10::IValue();  // the previous pass's taps go before the next pass runs
    out = impl_->call(*fn, in);
    int64_t next = impl_->next_token(out.toTupleRef().elements()[0]);
    if (next == eos) {
      ended = true;
    } else {
      generated.push_back(next);
      in.input_ids.push_back(next);
    }
  }
  if (!ended) {  // no EOS within max_new_tokens: the last token has not been fed yet
    throw_if_interrupted();
    out = c10::IValue();
    out = impl_->call(*fn, in);
  }
  *capture = impl_->captured(std::move(out), plan);
  return generated;
}

}  // namespace attnviz
