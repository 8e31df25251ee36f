#pragma once
// A captured layer made into a view: where its image tokens are, whose rows the overlay
// shows, the maps over the image, and the token spans for the grid.
#include <string>
#include <vector>

#include "attnviz/analysis.h"
#include "attnviz/model.h"
#include "attnviz/pipeline.h"

namespace attnviz {

// The text fed with the image: the ids (the prompt's, image placeholders included, then
// the answer's) and how many are the prompt's.
struct TextLayout {
  std::vector<int64_t> ids;
  int prompt_ids = 0;
  bool query_is_default = true;  // the caller chose no query
};

// The image placeholder id of the model's input_ids (the options' layout, else the
// metadata's), -1 when there is none.
int64_t image_token_id(const Model& model, const AnalysisOptions& o);

// `notes` receives what was inferred or could not be honoured (Analysis::fallbacks).
LayerView layer_view(const Model& model, const AnalysisOptions& o, const Analysis& a, const TextLayout& text,
                     AttentionMap layer, std::vector<std::string>& notes);

}  // namespace attnviz
