#pragma once
// Options shared by the subcommands that load a model and feed it an image.
#include <string>

#include <CLI/CLI.hpp>

#include "attnviz/metadata.h"

namespace attnviz::cli {

struct PreprocessArgs {
  std::string size;   // "HxW"
  std::string mean;   // "r,g,b"
  std::string std;
  bool bgr = false;
  std::string resize;         // squash | crop
  std::string interpolation;  // bilinear | bicubic | nearest
  std::string antialias;      // on | off
  int threads = 0;
  std::string device = "cpu";

  void add_to(CLI::App& cmd);
  // The flags that were given, checked; throws a usage Error naming the flag.
  PreprocessOverride override() const;
};

}  // namespace attnviz::cli
