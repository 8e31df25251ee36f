#pragma once
// Options shared by the subcommands that load a model and feed it an image.
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "attnviz/metadata.h"
#include "attnviz/model.h"

namespace attnviz::cli {

struct InputArgs {
  std::string size;   // "HxW"
  std::string mean;   // "r,g,b"
  std::string std;
  bool bgr = false;
  int threads = 0;
  std::string device = "cpu";

  void add_to(CLI::App& cmd);
  ModelOptions model_options() const;
  // The metadata's preprocessing with the flags applied; empty when no flag is set.
  std::optional<Preprocess> preprocess(const std::optional<Metadata>& meta) const;
};

}  // namespace attnviz::cli
