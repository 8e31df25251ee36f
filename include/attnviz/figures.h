#pragma once
// Figure builders: analyses in, figure descriptions out (figure.h). One builder per
// figure kind; a new view is a new builder.
#include <string>
#include <vector>

#include "attnviz/analysis.h"
#include "attnviz/figure.h"

namespace attnviz {

struct FigureOptions {
  std::string stem;         // base name of this input's files
  bool overlay = true;
  bool grid = false;
  OverlayStyle overlay_style;
  GridStyle grid_style;
  std::string label;        // title of the original-image panel (e.g. ground truth)
  bool per_token = false;   // overlay: one strip per generated answer token
};

// One model, one image: overlay panels per layer, grid cells per layer.
FigureSet single_figures(const Analysis& a, const FigureOptions& o);

// One image at several budgets (Figure A): a strip titled with each budget's answer.
FigureSet budget_figures(const std::vector<Analysis>& runs, const FigureOptions& o);

// One image through several models (Figure B): a grid with one row per model.
FigureSet model_figures(const std::vector<Analysis>& runs, const FigureOptions& o);

}  // namespace attnviz
