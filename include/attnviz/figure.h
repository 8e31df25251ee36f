#pragma once
// What a figure shows, as data: strips of overlay panels, or rows of grid cells, with
// their titles and styles. Builders (figures.h) make these from analyses, one builder per
// figure kind; sinks (sinks.h) write them, one sink per file format. Plain C++: nothing
// here draws.
#include <string>
#include <variant>
#include <vector>

#include "attnviz/analysis.h"

namespace attnviz {

// OpenCV's number for viridis, the default colormap (render/colormap.h checks it).
inline constexpr int kViridis = 16;

struct OverlayPanel {
  std::string title;    // e.g. the layer name, or the model's answer
  std::string corner;   // small label in the panel's corner (e.g. the budget); may be empty
  const ImageMap* map = nullptr;  // nullptr: the original image
};

struct OverlayStyle {
  int colormap = kViridis;  // an OpenCV ColormapTypes value (render/colormap.h: parse_colormap)
  double alpha = 0.5;    // heat weight in the blend
  int min_panel = 256;   // small images are enlarged (nearest) to at least this size
  bool merge_equal_titles = false;  // neighbours with one title share a spanning title
};

// Strips of panels, stacked top to bottom.
struct OverlayFigure {
  struct Strip {
    const BgrImage* image = nullptr;
    std::vector<OverlayPanel> panels;
  };
  std::vector<Strip> strips;
  OverlayStyle style;
  // How the result JSON's `layout` names it: one entry (a single strip) or a list with
  // one entry per strip.
  std::string layout_key = "overlay";
  bool layout_per_strip = false;
};

struct GridCell {
  std::string title;                    // e.g. "layer 5"
  const AttentionMap* layer = nullptr;  // nullptr: "n/a"
  TokenSpans spans;
};

struct GridRow {
  std::string label;  // e.g. the model name
  std::vector<GridCell> cells;
};

struct GridStyle {
  int colormap = kViridis;
  bool log_scale = false;
  bool shared_scale = false;  // one colour scale for all cells
  int cell_size = 320;
};

struct Caption {
  std::string heading;  // e.g. "prompt", "tinyvlm-base"
  std::string text;     // wrapped to the panel's width
  int frame = -1;       // row frame colour index (as in the grid's rows), -1: ink
};

// Token x token matrices, one row per model or stack, with the input image and captions
// on a side panel.
struct GridFigure {
  std::vector<GridRow> rows;
  GridStyle style;
  const BgrImage* side_image = nullptr;
  std::vector<Caption> captions;
  int side_width = 260;
};

struct Figure {
  std::string role;  // "overlay" or "grid": its key in the result JSON's `files` and `layout`
  std::string file;  // file name, relative to the output directory
  std::variant<OverlayFigure, GridFigure> content;
};

// A layer's unfused heads, for formats that keep arrays (npy).
struct HeadArray {
  size_t run = 0;       // index into FigureSet::runs
  size_t position = 0;  // index into that run's layers
  std::string file;
};

// Everything one input's outputs show.
struct FigureSet {
  enum class Kind { single, budgets, models };
  Kind kind = Kind::single;
  std::vector<const Analysis*> runs;  // one, or one per budget or per model
  std::vector<Figure> figures;        // in the order they are written
  std::vector<HeadArray> head_arrays;
  std::string basename;               // STEM, STEM.budgets or STEM.models: the other files' names
  std::string result_file;            // the result JSON: basename.json
  OverlayStyle overlay_style;         // as asked, for formats that draw on their own (html)
  GridStyle grid_style;
  bool include_matrix = false;        // the result JSON holds each layer's matrix
};

const char* kind_name(FigureSet::Kind kind);  // "single", "budgets", "models"

}  // namespace attnviz
