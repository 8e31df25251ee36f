// attnviz inspect MODEL : inputs, metadata, stacks and attention sites, no image needed.
#include <memory>

#include "commands.h"
#include "engine_loader.h"
#include "layout_options.h"
#include "preprocess_options.h"

namespace attnviz::cli {
namespace {

struct InspectArgs {
  std::string model;
  PreprocessArgs input;
  LayoutArgs layout;
  bool json = false;
};

}  // namespace

Action add_inspect(CLI::App& app) {
  auto args = std::make_shared<InspectArgs>();
  auto* cmd = app.add_subcommand("inspect", "Show a model's inputs, metadata, stacks and attention sites");
  cmd->add_option("model", args->model, "TorchScript model (.pt)")->required();
  cmd->add_flag("--json", args->json, "Print JSON instead of text");
  args->input.add_to(*cmd);
  args->layout.add_to(*cmd);
  return [args] {
    app::InspectPlan plan;
    plan.model = args->model;
    plan.preprocess = args->input.override();
    plan.device = args->input.device;
    plan.threads = args->input.threads;
    plan.json = args->json;
    args->layout.apply(plan.analysis);
    plan.tokenizer_file = args->layout.tokenizer;
    return engine().inspect(plan);
  };
}

}  // namespace attnviz::cli
