// `attnviz inspect MODEL`: inputs, metadata, stacks and attention sites, no image needed.
#include <algorithm>
#include <iostream>
#include <memory>
#include <thread>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "attnviz/error.h"
#include "attnviz/model.h"
#include "attnviz/runtime.h"
#include "attnviz/tokenizer.h"
#include "run_plan.h"

namespace attnviz::app {
namespace {

// A blank image and the default prompt, to learn each site's token counts.
std::optional<ModelInputs> probe_inputs(const Model& model, const InspectPlan& plan) {
  const auto& meta = model.metadata();
  const Preprocess p = plan.preprocess.applied_to(meta ? meta->preprocess : Preprocess{});
  if (!p.size) return std::nullopt;
  ModelInputs in;
  in.image.height = (*p.size)[0];
  in.image.width = (*p.size)[1];
  in.image.data.assign(static_cast<size_t>(3) * in.image.height * in.image.width, 0.0f);
  for (const auto& i : model.inputs()) {
    if (i.name != "input_ids") continue;
    if (!meta || !meta->tokenizer) return std::nullopt;
    in.input_ids = WordTokenizer(*meta->tokenizer).encode(meta->default_prompt);
    if (in.input_ids.empty()) return std::nullopt;
  }
  return in;
}

}  // namespace

int execute_inspect(const InspectPlan& args) {
  set_compute_threads(args.threads > 0 ? args.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
  Model model = Model::load(args.model, {args.device});
  const auto& meta = model.metadata();
  std::vector<std::array<int, 3>> shapes;
  if (auto in = probe_inputs(model, args)) {
    shapes = model.probe_shapes(*in);
  } else {
    spdlog::info("{}: token counts need an input size (--size HxW) and, for text models, a tokenizer",
                 args.model);
  }

  nlohmann::json doc;
  doc["model"] = args.model;
  doc["metadata"] = meta ? nlohmann::json::parse(meta->json) : nlohmann::json();
  doc["inputs"] = nlohmann::json::array();
  for (const auto& i : model.inputs()) doc["inputs"].push_back({{"name", i.name}, {"type", i.type}});
  doc["default_stack"] = model.default_stack();
  doc["stacks"] = nlohmann::json::array();
  for (const auto& s : model.stacks()) {
    nlohmann::json stack = {{"name", s.name}, {"layers", nlohmann::json::array()}};
    for (int idx : s.sites) {
      const auto& site = model.sites()[idx];
      nlohmann::json l = {{"index", site.index}, {"name", site.name}, {"op", site.op}};
      if (!shapes.empty()) {
        l["heads"] = shapes[idx][0];
        l["tokens"] = {shapes[idx][1], shapes[idx][2]};
      }
      stack["layers"].push_back(l);
    }
    doc["stacks"].push_back(stack);
  }
  doc["notes"] = model.notes();
  if (args.json) {
    std::cout << doc.dump(1) << "\n";
    return 0;
  }

  std::cout << "model: " << args.model << "\n";
  if (meta) {
    std::cout << "name: " << meta->name << "\n";
    if (!meta->description.empty()) std::cout << "description: " << meta->description << "\n";
  } else {
    std::cout << "metadata: none (preprocessing from flags; image tokens inferred)\n";
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
  for (const auto& s : model.stacks()) {
    std::cout << "  " << s.name << ": " << s.sites.size() << " layers"
              << (s.name == model.default_stack() ? " (default)" : "") << "\n";
    for (int idx : s.sites) {
      const auto& site = model.sites()[idx];
      std::cout << "    " << site.index << "  " << site.name << "  " << site.op;
      if (!shapes.empty())
        std::cout << "  heads " << shapes[idx][0] << "  tokens " << shapes[idx][1] << "x" << shapes[idx][2];
      std::cout << "\n";
    }
  }
  if (model.sites().empty()) std::cout << "  (no attention found)\n";
  for (const auto& n : model.notes()) std::cout << "note: " << n << "\n";
  return 0;
}

}  // namespace attnviz::app
