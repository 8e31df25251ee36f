#pragma once
// Analyses to files: overlay and grid PNGs, the JSON beside them, and .npy per layer.
// Every file is written atomically; paths written are returned in a fixed order.
#include <string>
#include <vector>

#include "attnviz/pipeline.h"
#include "attnviz/render.h"

namespace attnviz {

struct OutputOptions {
  std::string dir = "attnviz_out";
  std::string stem;            // base name of this image's files
  bool overlay = true;
  bool grid = false;
  bool png = true;
  bool json = true;
  bool npy = false;
  OverlayStyle overlay_style;
  GridStyle grid_style;
  std::string label;           // title of the original-image panel (e.g. ground truth)
  bool per_token = false;      // overlay: one strip per generated answer token
};

// One model, one image: overlay panels per layer, grid cells per layer.
std::vector<std::string> write_outputs(const Analysis& a, const OutputOptions& o);

// One image at several budgets (Figure A): a strip titled with each budget's answer.
std::vector<std::string> write_budget_outputs(const std::vector<Analysis>& runs, const OutputOptions& o);

// One image through several models (Figure B): a grid with one row per model.
std::vector<std::string> write_model_outputs(const std::vector<Analysis>& runs, const OutputOptions& o);

// Creates the directory (and parents); throws an output Error naming it on failure.
void ensure_directory(const std::string& dir);

}  // namespace attnviz
