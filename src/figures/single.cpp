// One model, one image: overlay panels per layer (or a strip per answer token), grid
// cells per layer.
#include "attnviz/figures.h"
#include "figure_parts.h"

namespace attnviz {
namespace {

using figures::quoted;

// One strip per answer token: where the model looked when it produced that token.
OverlayFigure per_token_overlay(const Analysis& a, bool one_stack, const OverlayStyle& style) {
  OverlayFigure fig;
  fig.style = style;
  fig.layout_key = "overlay_tokens";
  fig.layout_per_strip = true;
  for (size_t t = 0; t < a.answer_ids.size(); ++t) {
    OverlayFigure::Strip strip{a.image.get(), {}};
    // The answer's tokens end the text tokens.
    const size_t first_answer = a.tokens.size() >= a.answer_ids.size() ? a.tokens.size() - a.answer_ids.size() : 0;
    const std::string token = first_answer + t < a.tokens.size() ? a.tokens[first_answer + t] : "";
    strip.panels.push_back({quoted(token), std::to_string(t + 1) + "/" + std::to_string(a.answer_ids.size()), nullptr});
    for (const auto& l : a.layers)
      if (t < l.token_maps.size())
        strip.panels.push_back({figures::layer_title(l, one_stack), figures::mass_note(l.token_maps[t]), &l.token_maps[t]});
    fig.strips.push_back(std::move(strip));
  }
  return fig;
}

GridFigure single_grid(const Analysis& a, bool one_stack, const GridStyle& style) {
  GridFigure fig;
  fig.style = style;
  if (one_stack) {
    std::vector<int> columns;
    for (const auto& l : a.layers) columns.push_back(l.attention.index);
    fig.rows.push_back(figures::grid_row(a, columns, figures::row_label(a)));
  } else {
    for (const auto& l : a.layers) {
      if (fig.rows.empty() || fig.rows.back().label != l.attention.stack) fig.rows.push_back({l.attention.stack, {}});
      fig.rows.back().cells.push_back(figures::grid_cell(l, figures::layer_title(l, true)));
    }
  }
  fig.side_image = a.image.get();
  if (!a.prompt.empty()) fig.captions.push_back({"prompt", a.prompt, -1});
  if (!a.answer.empty()) fig.captions.push_back({"answer", a.answer, 0});
  return fig;
}

}  // namespace

FigureSet single_figures(const Analysis& a, const FigureOptions& o) {
  FigureSet set;
  set.kind = FigureSet::Kind::single;
  set.runs = {&a};
  set.basename = o.stem + "";
  set.result_file = set.basename + ".json";
  set.overlay_style = o.overlay_style;
  set.grid_style = o.grid_style;
  set.include_matrix = o.grid;
  figures::add_head_arrays(set, 0, o.stem, "");
  const bool one_stack = figures::single_stack(a);
  if (o.overlay) {
    std::vector<OverlayPanel> panels;
    panels.push_back({o.label.empty() ? (a.answer.empty() ? "input" : quoted(a.answer)) : o.label, "", nullptr});
    figures::add_layer_panels(a, one_stack, panels);
    if (panels.size() > 1) {
      OverlayFigure fig;
      if (o.per_token && !a.answer_ids.empty()) {
        fig = per_token_overlay(a, one_stack, o.overlay_style);
      } else {
        fig.style = o.overlay_style;
        fig.strips.push_back({a.image.get(), std::move(panels)});
      }
      set.figures.push_back({"overlay", o.stem + ".overlay.png", std::move(fig)});
    }
  }
  if (o.grid) set.figures.push_back({"grid", o.stem + ".grid.png", single_grid(a, one_stack, o.grid_style)});
  return set;
}

}  // namespace attnviz
