// attnviz run MODEL... IMAGE... : capture attention and write overlay/grid/JSON/npy.
#include <memory>

#include "commands.h"
#include "engine_loader.h"
#include "run_options.h"

namespace attnviz::cli {

Action add_run(CLI::App& app) {
  auto args = std::make_shared<RunArgs>();
  auto* cmd = app.add_subcommand("run", "Capture attention and write overlay / grid PNGs, JSON and .npy");
  add_run_options(*cmd, *args);
  return [args] {
    app::RunPlan plan = make_run_plan(*args);
    plan.spelling = option_flag;
    return engine().run(plan);
  };
}

}  // namespace attnviz::cli
