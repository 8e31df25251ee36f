#pragma once
// `attnviz run`'s options as CLI11 fills them (RunArgs), and the plan they make: parsed
// and checked once, with no model loaded (make_run_plan is pure: tests call it directly).
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "../app/run_plan.h"
#include "layout_options.h"
#include "preprocess_options.h"

namespace attnviz::cli {

struct RunArgs {
  std::vector<std::string> positional;
  PreprocessArgs input;
  std::string layers = "all";
  std::string stack;
  std::string heads = "mean";
  std::string method = "raw";
  std::string query;
  std::string view = "overlay";
  std::string format = "png,json";
  std::string out = "attnviz_out";
  bool out_given = false;     // --out on the command line (not its default)
  bool format_given = false;
  std::string colormap = "viridis";
  double alpha = 0.5;
  std::string prompt;
  std::string answer;
  std::string input_ids;
  LayoutArgs layout;
  int budget = 0;
  std::string budgets;
  std::string label;
  std::string scale = "panel";
  bool log_scale = false;
  int max_new_tokens = 0;
  bool no_generate = false;
  bool per_token = false;
  int64_t max_pixels = kDefaultMaxPixels;
  // Batches (docs/batch.md).
  std::string jobs = "auto";
  std::string shard = "1/1";
  bool ndjson = false;
  bool no_timings = false;
  std::string resume;
  bool keep_going = false;
  bool no_progress = false;
  std::string snapshot;
};

// Registers the options on `cmd`, with validators for the closed sets.
void add_run_options(CLI::App& cmd, RunArgs& args);

// Throws a usage Error naming the option for a bad value.
app::RunPlan make_run_plan(const RunArgs& args);

}  // namespace attnviz::cli
