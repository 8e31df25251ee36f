#pragma once
// The commands that load models, as the attnviz executable reaches them: it links only
// the model-free libraries and loads libattnviz_app.so (this folder and everything it
// needs: capture backends, rendering, sinks) with dlopen when a command needs a model.
// `diff`, `--help` and `--version` so never pay libtorch's process start (bench/README.md).
#include "run_plan.h"

namespace attnviz::app {

// Bumped whenever RunPlan, InspectPlan or this table change shape.
inline constexpr int kEngineVersion = 1;

struct Engine {
  int version;
  int (*run)(const RunPlan& plan);
  int (*inspect)(const InspectPlan& plan);
};

}  // namespace attnviz::app

// The entry point the executable looks up.
extern "C" const attnviz::app::Engine* attnviz_engine();
