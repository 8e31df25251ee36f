// Running a TorchScript model: plain inputs to IValues, tapped copies of forward()
// (cached per tap plan), the taps back to plain data, and greedy generation.
#include <cmath>

#include <torch/csrc/jit/runtime/graph_executor.h>

#include "attnviz/error.h"
#include "attnviz/interrupt.h"
#include "attnviz/model_failures.h"
#include "torchscript_backend.h"

namespace attnviz::torchscript {

std::string first_line(const std::string& s) {
  auto end = s.find('\n');
  std::string line = s.substr(0, end);
  while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.pop_back();
  return line;
}

namespace {

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

SiteShape shape_of(const at::Tensor& t) {
  const auto s = t.contiguous();
  const int64_t* v = s.data_ptr<int64_t>();
  return SiteShape{static_cast<int>(v[0]), static_cast<int>(v[1]), static_cast<int>(v[2]), static_cast<int>(v[3])};
}

FedInputs fed(const ModelInputs& in) {
  return FedInputs{in.image.height, in.image.width, in.input_ids};
}

std::string plan_key(const capture::TapPlan& p) {
  std::string key = p.fusion.str() + (p.per_head ? "+heads" : "") +
                    (p.mode == capture::TapMode::shape ? "+shape" : "") + (p.matrix ? "+matrix" : "") + "/" +
                    std::to_string(p.max_side) + "/" + std::to_string(p.last_rows) + ":";
  for (int s : p.sites) key += std::to_string(s) + ",";
  for (const auto& chain : p.rollout_chains) {
    key += "|rollout:";
    for (int s : chain) key += std::to_string(s) + ",";
  }
  return key;
}

}  // namespace

std::vector<c10::IValue> TorchScriptBackend::arguments(const ModelInputs& in) const {
  std::vector<c10::IValue> args;
  const auto& params = module_.get_method("forward").function().getSchema().arguments();
  for (size_t i = 0; i < sources_.size(); ++i) {
    const std::string& source = sources_[i];
    if (source.empty()) {
      args.push_back(*params.at(i + 1).default_value());
    } else if (source == "image") {
      if (in.image.data.empty()) fail_usage(path_ + ": forward() takes an image");
      args.emplace_back(image_tensor(in.image).to(device_));
    } else if (source == "input_ids") {
      if (in.input_ids.empty()) fail_usage(path_ + ": forward() takes input_ids and none were given");
      args.emplace_back(torch::tensor(in.input_ids, torch::kInt64).unsqueeze(0).to(device_));
    } else if (source == "budget") {
      if (in.budget <= 0) fail_usage(path_ + ": forward() takes a budget and none was given");
      args.emplace_back(static_cast<int64_t>(in.budget));
    }
  }
  return args;
}

torch::jit::GraphFunction& TorchScriptBackend::forward() const {
  return torch::jit::toGraphFunction(module_.get_method("forward").function());
}

c10::IValue TorchScriptBackend::call(torch::jit::GraphFunction& fn, const ModelInputs& in) const {
  std::vector<c10::IValue> stack;
  stack.emplace_back(module_._ivalue());
  for (auto& a : arguments(in)) stack.push_back(std::move(a));
  // The graph executor's optimising passes cost more on the first calls than they ever
  // saved on CPU (bench/README.md, "What was optimised"): on CPU the graphs run
  // unoptimised (thread-local, this call only); on CUDA the executor may fuse, so it
  // keeps its default there.
  torch::jit::GraphOptimizerEnabledGuard optimize(device_.is_cuda());
  try {
    fn.run(stack);
  } catch (const Error&) {
    throw;
  } catch (const c10::Error& e) {
    throw model_failure(path_, e.what_without_backtrace(), fed(in));
  } catch (const std::exception& e) {  // TorchScript's own exceptions (JITException)
    throw model_failure(path_, e.what(), fed(in));
  }
  return stack.back();
}

std::shared_ptr<torch::jit::GraphFunction> TorchScriptBackend::tapped_function(const capture::TapPlan& plan) const {
  const std::string key = plan_key(plan);
  std::lock_guard<std::mutex> lock(cache_mutex_);
  auto it = tapped_.find(key);
  if (it != tapped_.end()) return it->second;
  std::shared_ptr<torch::jit::Graph> graph;
  try {
    graph = capture::add_taps(capture::copy_scan(scan_), plan);
  } catch (const c10::Error& e) {
    fail_model(path_, std::string("cannot tap attention: ") + first_line(e.what_without_backtrace()));
  } catch (const std::exception& e) {
    std::string why = e.what();
    why.erase(0, why.find_first_not_of(" \n"));
    fail_model(path_, std::string("cannot tap attention: ") + first_line(why));
  }
  auto fn = std::make_shared<torch::jit::GraphFunction>("attnviz_capture", graph, nullptr);
  tapped_[key] = fn;
  return fn;
}

capture::TapPlan TorchScriptBackend::plan_for(const CaptureRequest& request) const {
  capture::TapPlan plan;
  plan.sites = request.sites;
  plan.fusion = request.fusion;
  plan.per_head = request.per_head;
  plan.matrix = request.matrix;
  plan.max_side = request.max_matrix_side;
  plan.last_rows = request.last_rows;
  plan.rollout_chains = request.rollout_chains;
  for (int s : plan.sites)
    if (s < 0 || s >= static_cast<int>(scan_.sites.size())) throw std::out_of_range("site index out of range");
  return plan;
}

ForwardResult TorchScriptBackend::run(const ModelInputs& inputs, const CaptureRequest& request) const {
  c10::InferenceMode inference;
  const capture::TapPlan plan = plan_for(request);
  auto fn = tapped_function(plan);
  return captured(call(*fn, inputs), plan);
}

ForwardResult TorchScriptBackend::forward_only(const ModelInputs& inputs) const {
  c10::InferenceMode inference;
  ForwardResult result;
  fill_output(result, call(forward(), inputs));
  return result;
}

std::vector<SiteShape> TorchScriptBackend::probe_shapes(const ModelInputs& inputs) const {
  c10::InferenceMode inference;
  capture::TapPlan plan;
  for (size_t i = 0; i < scan_.sites.size(); ++i) plan.sites.push_back(static_cast<int>(i));
  plan.mode = capture::TapMode::shape;
  auto out = call(*tapped_function(plan), inputs);
  const auto& taps = out.toTupleRef().elements()[1].toTupleRef().elements();
  std::vector<SiteShape> shapes;
  size_t pos = 0;
  for (int s : plan.sites) {
    SiteShape shape;
    for (int k = 0; k < producers_per_site_[s]; ++k) {
      auto t = taps.at(pos++).toTensor().cpu();
      if (t.numel() == 4) shape = shape_of(t);
    }
    shapes.push_back(shape);
  }
  return shapes;
}

ForwardResult TorchScriptBackend::captured(c10::IValue out, const capture::TapPlan& plan) const {
  if (!plan.rollout_chains.empty()) return captured_rollout(std::move(out), plan);
  ForwardResult result;
  // The taps are taken out of the output and each is freed once copied, so that copying
  // them does not hold the tensors and their copies at once (bench/README.md, "What was
  // optimised").
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
    // Per producer: shape, matrix, rows; then (after all producers) the unfused copies.
    const int n = producers_per_site_[s];
    int ran = -1;
    std::vector<at::Tensor> shapes, sums, fused, rows, unfused;
    for (int k = 0; k < n; ++k) {
      shapes.push_back(take(pos++));
      sums.push_back(take(pos++));
      if (plan.matrix) fused.push_back(take(pos++));
      if (plan.last_rows > 0) rows.push_back(take(pos++));
    }
    if (plan.per_head)
      for (int k = 0; k < n; ++k) unfused.push_back(take(pos++));
    for (int k = 0; k < n && ran < 0; ++k)
      if (shapes[k].numel() == 4) ran = k;
    AttentionMap map;  // heads 0: the site did not run (the caller says which)
    if (ran < 0) {
      result.layers.push_back(std::move(map));
      continue;
    }
    const SiteShape shape = shape_of(shapes[ran].cpu());
    map.windows = shape.windows;
    map.heads = shape.heads;
    map.tq = shape.tq;
    map.tk = shape.tk;
    map.fusion = plan.fusion;
    map.finite = std::isfinite(sums[ran].item<float>());
    if (plan.matrix) {
      map.fused = to_floats(fused[ran]);
      fused.clear();
      if (plan.max_side > 0) map.pool = (std::max(map.tq, map.tk) + plan.max_side - 1) / plan.max_side;
    }
    if (plan.last_rows > 0) {
      map.row_values = to_floats(rows[ran]);
      rows.clear();
      map.rows.push_back(0);
      for (int r = std::max(1, map.tq - plan.last_rows); r < map.tq; ++r) map.rows.push_back(r);
    }
    if (plan.per_head) map.per_head = to_floats(unfused[ran]);
    result.layers.push_back(std::move(map));
  }
  return result;
}

// Rollout taps (graph_taps.h): the graph multiplied whatever shapes came, so they are
// checked here: one window, square, one size per chain.
ForwardResult TorchScriptBackend::captured_rollout(c10::IValue out, const capture::TapPlan& plan) const {
  ForwardResult result;
  const auto elements = out.toTupleRef().elements().vec();
  fill_output(result, elements[0]);
  const auto& taps = elements[1].toTupleRef().elements();
  size_t pos = 3 * plan.sites.size();
  for (const auto& chain : plan.rollout_chains) {
    int t = -1;
    for (size_t k = 0; k < chain.size(); ++k) {
      const SiteShape s = shape_of(taps.at(pos++).toTensor().cpu());
      if (s.windows != 1 || s.tq != s.tk || (t >= 0 && s.tq != t))
        fail_model(path_, "rollout cannot be carried through layer " + std::to_string(k) + " of its stack (" +
                              std::to_string(s.windows) + " windows of " + std::to_string(s.tq) + "x" +
                              std::to_string(s.tk) + ")");
      t = s.tq;
    }
  }
  for (size_t i = 0; i < plan.sites.size(); ++i) {
    const SiteShape shape = shape_of(taps.at(3 * i).toTensor().cpu());
    AttentionMap map;
    map.windows = shape.windows;
    map.heads = shape.heads;
    map.tq = shape.tq;
    map.tk = shape.tk;
    map.fusion = plan.fusion;
    if (map.fusion.kind == HeadFusion::Kind::all) map.fusion.kind = HeadFusion::Kind::mean;
    map.finite = std::isfinite(taps.at(3 * i + 1).toTensor().item<float>());
    map.fused = to_floats(taps.at(3 * i + 2).toTensor());
    result.layers.push_back(std::move(map));
  }
  return result;
}

int64_t TorchScriptBackend::next_token(const c10::IValue& output) const {
  at::Tensor logits = first_tensor(output);
  if (!logits.defined() || logits.dim() < 2)
    fail_model(path_, "forward() does not return logits [1, L, V]; cannot generate");
  auto last = logits.dim() == 3 ? logits[0][-1] : logits[-1];
  if (!torch::isfinite(last).all().item<bool>()) fail_model(path_, "forward() returned NaN or Inf logits");
  return last.argmax().item<int64_t>();
}

std::vector<int64_t> TorchScriptBackend::generate(const ModelInputs& prompt, int max_new_tokens,
                                     int64_t eos) const {
  c10::InferenceMode inference;
  ModelInputs in = prompt;
  std::vector<int64_t> generated;
  for (int step = 0; step < max_new_tokens; ++step) {
    throw_if_interrupted();
    int64_t next = next_token(call(forward(), in));
    if (next == eos) break;
    generated.push_back(next);
    in.input_ids.push_back(next);
  }
  return generated;
}

std::vector<int64_t> TorchScriptBackend::generate(const ModelInputs& prompt, int max_new_tokens, int64_t eos,
                                     const CaptureRequest& request, ForwardResult* capture) const {
  c10::InferenceMode inference;
  const capture::TapPlan plan = plan_for(request);
  auto fn = tapped_function(plan);
  ModelInputs in = prompt;
  std::vector<int64_t> generated;
  c10::IValue out;
  bool ended = false;  // the last pass's input is the prompt and every generated token
  for (int step = 0; step < max_new_tokens && !ended; ++step) {
    throw_if_interrupted();
    out = c10::IValue();  // the previous pass's taps go before the next pass runs
    out = call(*fn, in);
    int64_t next = next_token(out.toTupleRef().elements()[0]);
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
    out = call(*fn, in);
  }
  *capture = captured(std::move(out), plan);
  return generated;
}

}  // namespace attnviz::torchscript
