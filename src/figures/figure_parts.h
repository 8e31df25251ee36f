#pragma once
// Pieces every figure builder uses: titles, grid rows, the per-head arrays.
#include <functional>
#include <string>
#include <vector>

#include "attnviz/figure.h"
#include "attnviz/figures.h"

namespace attnviz::figures {

std::string quoted(const std::string& s);  // in typographic quotes

// A map with no attention on the image (e.g. a layer where text cannot see the image)
// says so in its corner, instead of showing a flat heat map that looks like a uniform one.
std::string mass_note(const ImageMap& m);

bool single_stack(const Analysis& a);

// "layer 5", or "vision.blocks 1" when several stacks are shown.
std::string layer_title(const LayerView& l, bool one_stack);

// The model name, and its answer when it gave one.
std::string row_label(const Analysis& a);

// One grid row with a cell per layer index in `columns` ("n/a" where the run lacks it).
GridRow grid_row(const Analysis& a, const std::vector<int>& columns, const std::string& label);

// A layer's grid cell ("n/a" with a note for a windowed layer).
GridCell grid_cell(const LayerView& l, const std::string& title);

// An overlay panel per layer that has a map over the image.
void add_layer_panels(const Analysis& a, bool one_stack, std::vector<OverlayPanel>& panels);

// A file per layer that kept its unfused heads: STEM TAG.MODULE_PATH.npy.
void add_head_arrays(FigureSet& set, size_t run, const std::string& stem, const std::string& tag);

// A set over several runs (budgets, models) named STEM.NAME, with the options' styles and
// run r's head arrays tagged `.TAG_PREFIX<tag_of(r)>`.
FigureSet combined_set(FigureSet::Kind kind, const std::vector<Analysis>& runs, const FigureOptions& o,
                       const std::string& name, const std::string& tag_prefix,
                       const std::function<int(size_t)>& tag_of);

}  // namespace attnviz::figures
