// One image through several models (Figure B): a grid with one row per model and one
// column per layer, and an overlay strip per model.
#include <set>

#include "attnviz/figures.h"
#include "figure_parts.h"

namespace attnviz {
namespace {

GridFigure model_grid(const std::vector<Analysis>& runs, const GridStyle& style) {
  std::set<int> column_set;
  for (const auto& run : runs)
    for (const auto& l : run.layers) column_set.insert(l.attention.index);
  const std::vector<int> columns(column_set.begin(), column_set.end());
  GridFigure fig;
  fig.style = style;
  fig.side_image = runs.front().image.get();
  if (!runs.front().prompt.empty()) fig.captions.push_back({"prompt", runs.front().prompt, -1});
  for (size_t r = 0; r < runs.size(); ++r) {
    fig.rows.push_back(figures::grid_row(runs[r], columns, figures::row_label(runs[r])));
    fig.captions.push_back(
        {runs[r].model_name, runs[r].answer.empty() ? "(no answer)" : runs[r].answer, static_cast<int>(r)});
  }
  return fig;
}

OverlayFigure model_strips(const std::vector<Analysis>& runs, const OverlayStyle& style) {
  OverlayFigure fig;
  fig.style = style;
  fig.layout_key = "overlay";
  fig.layout_per_strip = true;
  for (const auto& run : runs) {
    OverlayFigure::Strip strip{run.image.get(), {}};
    strip.panels.push_back(
        {run.model_name + (run.answer.empty() ? "" : ": " + figures::quoted(run.answer)), "", nullptr});
    figures::add_layer_panels(run, true, strip.panels);
    if (strip.panels.size() > 1) fig.strips.push_back(std::move(strip));
  }
  return fig;
}

}  // namespace

FigureSet model_figures(const std::vector<Analysis>& runs, const FigureOptions& o) {
  FigureSet set = figures::combined_set(FigureSet::Kind::models, runs, o, "models", "model",
                                       [](size_t r) { return static_cast<int>(r); });
  if (runs.empty()) return set;
  if (o.grid) set.figures.push_back({"grid", o.stem + ".models.grid.png", model_grid(runs, o.grid_style)});
  if (o.overlay) {
    OverlayFigure fig = model_strips(runs, o.overlay_style);
    if (!fig.strips.empty()) set.figures.push_back({"overlay", o.stem + ".models.overlay.png", std::move(fig)});
  }
  return set;
}

}  // namespace attnviz
