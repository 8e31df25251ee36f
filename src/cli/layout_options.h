#pragma once
// Options that describe what a model is fed besides pixels, for the commands that load
// one (run, inspect): the image-token layout of its sequence and its tokenizer.
#include <string>

#include <CLI/CLI.hpp>

#include "attnviz/pipeline.h"

namespace attnviz::cli {

struct LayoutArgs {
  std::string image_tokens;  // OFFSET:HxW
  std::string layout;        // prefix:1,text:2,image:24x24,text:rest
  int64_t image_token_id = -1;
  std::string image_grid;    // HxW, with --image-token-id
  std::string tokenizer;     // a tokenizer.json file

  void add_to(CLI::App& cmd);
  // The flags given, into `o` (layout, layout_source); throws a usage Error naming the flag.
  void apply(AnalysisOptions& o) const;
};

}  // namespace attnviz::cli
