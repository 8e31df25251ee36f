#pragma once
// A captured layer made into a view: where its image tokens are, whose rows the overlay
// shows, the maps over the image, and the token spans for the grid.
#include "attnviz/analysis.h"
#include "attnviz/model.h"
#include "attnviz/pipeline.h"

namespace attnviz {

// The text tokens fed with the image: the prompt (with BOS) and the answer fed back.
struct TextLayout {
  int text_len = 0;  // prompt_len + answer_len
  int prompt_len = 0;
  int answer_len = 0;
};

LayerView layer_view(const Model& model, const AnalysisOptions& o, const Analysis& a, const TextLayout& text,
                     AttentionMap layer);

}  // namespace attnviz
