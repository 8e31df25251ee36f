// One image at several visual-token budgets (Figure A): per layer, a strip with a panel
// per budget, titled with the answer given at that budget.
#include "attnviz/figures.h"
#include "figure_parts.h"

namespace attnviz {
namespace {

OverlayFigure budget_strips(const std::vector<Analysis>& runs, const FigureOptions& o) {
  OverlayFigure fig;
  fig.style = o.overlay_style;
  fig.style.merge_equal_titles = true;
  fig.layout_key = "strips";
  fig.layout_per_strip = true;
  const size_t layer_count = runs.front().layers.size();
  for (size_t l = 0; l < layer_count; ++l) {
    OverlayFigure::Strip strip{runs.front().image.get(), {}};
    strip.panels.push_back({o.label.empty() ? "input" : o.label, "", nullptr});
    for (const auto& run : runs) {
      if (l >= run.layers.size() || !run.layers[l].map) continue;
      std::string corner = std::to_string(run.budget);
      if (layer_count > 1) corner += " · L" + std::to_string(run.layers[l].attention.index);
      strip.panels.push_back(
          {run.answer.empty() ? "(no answer)" : figures::quoted(run.answer), corner, &*run.layers[l].map});
    }
    if (strip.panels.size() > 1) fig.strips.push_back(std::move(strip));
  }
  return fig;
}

}  // namespace

FigureSet budget_figures(const std::vector<Analysis>& runs, const FigureOptions& o) {
  FigureSet set = figures::combined_set(FigureSet::Kind::budgets, runs, o, "budgets", "budget",
                                       [&](size_t r) { return runs[r].budget; });
  if (o.overlay && !runs.empty()) {
    OverlayFigure fig = budget_strips(runs, o);
    if (!fig.strips.empty()) set.figures.push_back({"overlay", o.stem + ".budgets.png", std::move(fig)});
  }
  return set;
}

}  // namespace attnviz
