#pragma once
// The result of one image through one model: captured layers, the maps over the image,
// the prompt and the answer. Plain data, the hand-over from the pipeline to figures,
// reports and sinks.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "attnviz/attention.h"
#include "attnviz/bgr_image.h"
#include "attnviz/metadata.h"
#include "attnviz/query.h"
#include "attnviz/token_layout.h"

namespace attnviz {

// [begin, end) key positions of a stack's sequence.
struct KeyRange {
  int begin = 0, end = 0;
};

// Where the kinds of token sit in a stack's sequence (for the grid's axis bars).
struct TokenSpans {
  TokenSpan image;                           // the image drawn; count 0: unknown
  std::vector<KeyRange> prompt, answer;      // text before an image and after it are two ranges
};

struct LayerView {
  AttentionMap attention;
  std::optional<TokenSpan> image_tokens;  // the image the maps are over
  std::string layout;                     // "104 keys = 2 text + 8×12 + 6 text"; empty: unknown
  std::vector<int> text_positions;        // key position of each text token (Analysis::tokens)
  int64_t image_token_id = -1;            // the id standing for image tokens in input_ids, if any
  std::vector<int> query_rows;
  std::optional<ImageMap> map;
  std::vector<ImageMap> token_maps;  // one per answer token (its predicting row), when generated
  TokenSpans spans;
  bool causal = false;  // upper triangle is zero
};

struct Analysis {
  std::string model_path;
  std::string model_name;
  std::string image_path;
  // The part of the loaded image the model saw (all of it unless centre-cropped), at the
  // loaded resolution, for rendering: the maps cover exactly this.
  std::shared_ptr<const BgrImage> image;
  int input_h = 0, input_w = 0;
  Preprocess preprocess;  // as applied: the metadata's, with the caller's settings over it
  ResizePlan resize;      // the loaded image to the model's input (sizes, the crop)
  int budget = 0;
  std::vector<int> budget_grid;  // [h, w] when the model has budgets
  std::string prompt;
  std::vector<int64_t> prompt_ids;  // as fed, including BOS
  std::vector<int64_t> answer_ids;  // generated, without EOS
  std::string answer;
  std::vector<std::string> tokens;  // text tokens of the captured sequence, as labels
                                    // (image placeholder ids are not text)
  QuerySpec query;
  std::string method = "raw";       // or "rollout"
  std::vector<LayerView> layers;
  // What attnviz chose because it was not told: a layout it inferred, a query it could not
  // honour, a map it refused to draw. Never silent: each is in the result JSON and logged.
  std::vector<std::string> fallbacks;
};

}  // namespace attnviz
