// `attnviz inspect MODEL`: inputs, metadata, stacks, attention sites and token layouts,
// checked against a probe run on a blank image when the input size is known.
#include <algorithm>
#include <functional>
#include <future>
#include <iostream>
#include <memory>
#include <thread>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "attnviz/error.h"
#include "attnviz/model.h"
#include "attnviz/pipeline.h"
#include "attnviz/runtime.h"
#include "run_plan.h"

namespace attnviz::app {
namespace {

using nlohmann::json;

struct Probe {
  ModelInputs inputs;
  std::vector<SiteShape> shapes;
};

// A blank image of the preprocessed size and the default prompt, run once to settle the
// sites and learn each one's token counts; none when the size is not known.
std::optional<Probe> probe(const Model& model, const InspectPlan& plan) {
  const auto& meta = model.metadata();
  const Preprocess p = plan.preprocess.applied_to(meta ? meta->preprocess : Preprocess{});
  if (!p.size) return std::nullopt;
  AnalysisOptions o = plan.analysis;
  o.preprocess = p;
  Probe r{probe_inputs(model, o, 0, 0), {}};
  if (model.takes("input_ids") && r.inputs.input_ids.empty()) return std::nullopt;
  model.settle(r.inputs);
  r.shapes = model.probe_shapes(r.inputs);
  return r;
}

// Each stack's layout, resolved against the probe's key count (its last layer's).
json stack_layout(const Model& model, const InspectPlan& plan, const Stack& s, const Probe& p, int& problems) {
  const SiteShape& shape = p.shapes.at(s.sites.back());
  if (!shape.ran()) return json();
  if (shape.windows > 1) return {{"describe", nullptr}, {"note", "windowed attention: no layout over the image"}};
  LayoutInputs in{shape.tk, p.inputs.input_ids, p.inputs.image.height, p.inputs.image.width, {0, 0}};
  const auto& meta = model.metadata();
  const int budget = p.inputs.budget ? p.inputs.budget : (meta ? meta->default_budget : 0);
  if (meta && meta->budget_grids.count(budget)) in.budget_grid = meta->budget_grids.at(budget);
  try {
    const LayoutChoice c = choose_layout(model, plan.analysis, s.name, in);
    return {{"describe", c.layout ? json(c.layout->describe()) : json()},
            {"source", c.layout ? json(c.layout->source) : json()},
            {"note", c.note}};
  } catch (const Error& e) {
    ++problems;
    return {{"describe", nullptr}, {"error", e.what()}};
  }
}

json inspect_doc(const Model& model, const InspectPlan& plan, const std::optional<Probe>& p, int& problems) {
  const auto& meta = model.metadata();
  json doc;
  doc["model"] = plan.model;
  doc["metadata"] = meta ? json::parse(meta->json) : json();
  doc["inputs"] = json::array();
  for (const auto& i : model.inputs()) doc["inputs"].push_back({{"name", i.name}, {"type", i.type}});
  doc["default_stack"] = model.default_stack();
  doc["stacks"] = json::array();
  for (const auto& s : model.stacks()) {
    json stack = {{"name", s.name}, {"layers", json::array()}};
    for (int idx : s.sites) {
      const auto& site = model.sites()[idx];
      json l = {{"index", site.index}, {"name", site.name}, {"op", site.op}};
      if (p) {
        const SiteShape& shape = p->shapes[idx];
        l["heads"] = shape.heads;
        l["tokens"] = {shape.tq, shape.tk};
        if (shape.windows > 1) l["windows"] = shape.windows;
      }
      stack["layers"].push_back(l);
    }
    if (p) stack["layout"] = stack_layout(model, plan, s, *p, problems);
    doc["stacks"].push_back(stack);
  }
  doc["notes"] = model.notes();
  return doc;
}

void print_layer(const json& l) {
  std::cout << "    " << l["index"].get<int>() << "  " << l["name"].get<std::string>() << "  "
            << l["op"].get<std::string>();
  if (l.contains("heads"))
    std::cout << "  heads " << l["heads"] << "  tokens " << l["tokens"][0] << "x" << l["tokens"][1]
              << (l.contains("windows") ? "  windows " + l["windows"].dump() : "");
  std::cout << "\n";
}

void print_text(const Model& model, const json& doc) {
  const auto& meta = model.metadata();
  std::cout << "model: " << doc["model"].get<std::string>() << "\n";
  if (meta) {
    std::cout << "name: " << meta->name << "\n";
    if (!meta->description.empty()) std::cout << "description: " << meta->description << "\n";
  } else {
    std::cout << "metadata: none (preprocessing from flags; image tokens inferred when unambiguous)\n";
  }
  std::cout << "inputs:";
  for (const auto& i : model.inputs()) std::cout << " " << i.name << " (" << i.type << ")";
  std::cout << "\n";
  if (meta && !meta->budget_grids.empty()) {
    std::cout << "budgets:";
    for (const auto& [b, g] : meta->budget_grids) std::cout << " " << b << " (" << g[0] << "x" << g[1] << ")";
    std::cout << "  default " << meta->default_budget << "\n";
  }
  std::cout << "stacks:\n";
  for (const auto& s : doc["stacks"]) {
    std::cout << "  " << s["name"].get<std::string>() << ": " << s["layers"].size() << " layers"
              << (s["name"] == model.default_stack() ? " (default)" : "") << "\n";
    if (s.contains("layout") && s["layout"].is_object()) {
      const auto& l = s["layout"];
      if (l.contains("error")) std::cout << "    layout: does not fit: " << l["error"].get<std::string>() << "\n";
      else if (!l["describe"].is_null())
        std::cout << "    layout: " << l["describe"].get<std::string>() << " (" << l["source"].get<std::string>() << ")\n";
      else std::cout << "    layout: none (" << l["note"].get<std::string>() << ")\n";
    }
    for (const auto& l : s["layers"]) print_layer(l);
  }
  if (model.sites().empty()) std::cout << "  (no attention found)\n";
  for (const auto& n : model.notes()) std::cout << "note: " << n << "\n";
}

int inspect_model(const InspectPlan& plan) {
  set_compute_threads(plan.threads > 0 ? plan.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
  const Model model = Model::load(plan.model, {plan.device});
  InspectPlan resolved = plan;
  if (!plan.tokenizer_file.empty()) resolved.analysis.tokenizer = model_tokenizer(model, plan.tokenizer_file);
  const std::optional<Probe> p = probe(model, resolved);
  if (!p)
    spdlog::info("{}: token counts need an input size (--size HxW) and, for text models, a prompt or tokenizer",
                 plan.model);
  int problems = 0;
  const json doc = inspect_doc(model, resolved, p, problems);
  if (plan.json) std::cout << doc.dump(1) << "\n";
  else print_text(model, doc);
  if (problems) fail_model(plan.model, "a layout does not fit the model's attention (see above)");
  return 0;
}

}  // namespace

// On a thread of its own, as run's items are: libgomp keeps a pool of threads for each
// thread that ran a parallel region, and the main thread's pool would outlive the command
// (LeakSanitizer's check at exit crashes on those threads). get() rethrows its errors.
int execute_inspect(const InspectPlan& plan) {
  return std::async(std::launch::async, inspect_model, std::cref(plan)).get();
}

}  // namespace attnviz::app
