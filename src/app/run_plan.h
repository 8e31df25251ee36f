#pragma once
// What `attnviz run` is asked to do, parsed and checked, before any model is loaded: the
// CLI makes it (src/cli/run_options.cpp), the executor carries it out (run_executor.cpp).
#include <cstdint>
#include <string>
#include <vector>

#include "attnviz/error.h"
#include "attnviz/figures.h"
#include "attnviz/metadata.h"
#include "attnviz/pipeline.h"
#include "../batch/batch_inputs.h"

namespace attnviz::app {

struct RunPlan {
  // Models first, then images ("-" is read from stdin when the run starts); which is which
  // is decided by the capture backends (is_model_file), when the run starts.
  std::vector<std::string> inputs;
  AnalysisOptions analysis;         // the same for every model and image
  PreprocessOverride preprocess;    // applied over each model's metadata
  std::vector<int> budgets;         // several budgets of one model (Figure A)
  FigureOptions figures;            // stem and colormaps set when the run starts
  std::string colormap = "viridis";
  std::vector<std::string> formats; // sink names: png, json, npy, html
  std::string tokenizer_file;       // a tokenizer.json instead of the models' own
  std::string out_dir = "attnviz_out";
  std::string snapshot_dir;         // non-empty: write snapshots there instead of out_dir
  std::string device = "cpu";
  batch::Shard shard;
  int jobs = 0;                     // 0: auto
  int threads = 0;                  // 0: auto
  bool ndjson = false;
  bool timings = true;              // records carry `seconds`
  std::string resume;               // the NDJSON of a stopped run of the same command
  bool keep_going = false;
  bool progress = true;             // when stderr is a terminal
  OptionSpelling spelling = [](const std::string& key) { return "--" + key; };  // how messages name options
};

struct InspectPlan {
  std::string model;
  PreprocessOverride preprocess;
  AnalysisOptions analysis;  // the layout and tokenizer flags
  std::string device = "cpu";
  int threads = 0;
  std::string tokenizer_file;
  bool json = false;
};

// Carry them out; the result is the process exit code.
int execute_run(const RunPlan& plan);
int execute_inspect(const InspectPlan& plan);

}  // namespace attnviz::app
