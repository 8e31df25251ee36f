#include "figure_parts.h"

#include <cctype>
#include <set>

namespace attnviz::figures {
namespace {

std::string safe_file_name(const std::string& name) {
  std::string out;
  for (char c : name)
    out += (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_') ? c : '_';
  return out;
}

}  // namespace

std::string quoted(const std::string& s) { return "\u201c" + s + "\u201d"; }

std::string mass_note(const ImageMap& m) { return m.image_mass < 1e-6f ? "no attention on image" : ""; }

bool single_stack(const Analysis& a) {
  std::set<std::string> stacks;
  for (const auto& l : a.layers) stacks.insert(l.attention.stack);
  return stacks.size() <= 1;
}

std::string layer_title(const LayerView& l, bool one_stack) {
  return (one_stack ? std::string("layer") : l.attention.stack) + " " + std::to_string(l.attention.index);
}

std::string row_label(const Analysis& a) {
  std::string label = a.model_name;
  if (!a.answer.empty()) label += "  ·  " + quoted(a.answer);
  return label;
}

GridRow grid_row(const Analysis& a, const std::vector<int>& columns, const std::string& label) {
  GridRow row;
  row.label = label;
  for (int index : columns) {
    GridCell cell;
    cell.title = "layer " + std::to_string(index);
    for (const auto& l : a.layers)
      if (l.attention.index == index) {
        cell = grid_cell(l, cell.title);
        break;
      }
    row.cells.push_back(cell);
  }
  return row;
}

GridCell grid_cell(const LayerView& l, const std::string& title) {
  // A windowed layer's windows are no one matrix: the cell says so instead.
  if (l.attention.windowed()) return {title + " (windowed)", nullptr, {}};
  return {title, &l.attention, l.spans};
}

void add_layer_panels(const Analysis& a, bool one_stack, std::vector<OverlayPanel>& panels) {
  for (const auto& l : a.layers)
    if (l.map) panels.push_back({layer_title(l, one_stack), mass_note(*l.map), &*l.map});
}

void add_head_arrays(FigureSet& set, size_t run, const std::string& stem, const std::string& tag) {
  const Analysis& a = *set.runs[run];
  for (size_t i = 0; i < a.layers.size(); ++i) {
    const auto& at = a.layers[i].attention;
    if (at.per_head.empty()) continue;
    set.head_arrays.push_back({run, i, stem + tag + "." + safe_file_name(at.name) + ".npy"});
  }
}

FigureSet combined_set(FigureSet::Kind kind, const std::vector<Analysis>& runs, const FigureOptions& o,
                       const std::string& name, const std::string& tag_prefix,
                       const std::function<int(size_t)>& tag_of) {
  FigureSet set;
  set.kind = kind;
  for (const auto& r : runs) set.runs.push_back(&r);
  set.basename = o.stem + "." + name;
  set.result_file = set.basename + ".json";
  set.overlay_style = o.overlay_style;
  set.grid_style = o.grid_style;
  set.include_matrix = o.grid;
  for (size_t r = 0; r < runs.size(); ++r)
    add_head_arrays(set, r, o.stem, "." + tag_prefix + std::to_string(tag_of(r)));
  return set;
}

}  // namespace attnviz::figures

namespace attnviz {

const char* kind_name(FigureSet::Kind kind) {
  switch (kind) {
    case FigureSet::Kind::single: return "single";
    case FigureSet::Kind::budgets: return "budgets";
    case FigureSet::Kind::models: return "models";
  }
  return "single";
}

}  // namespace attnviz

