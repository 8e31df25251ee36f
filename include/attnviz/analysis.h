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

// Where the kinds of token sit in a stack's sequence (for the grid's axis bars).
struct TokenSpans {
  TokenSpan image;            // count 0: unknown
  int prompt_begin = 0, prompt_end = 0;  // [begin, end) in the stack's sequence
  int answer_begin = 0, answer_end = 0;
};

struct LayerView {
  AttentionMap attention;
  std::optional<TokenSpan> image_tokens;
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
  std::vector<std::string> tokens;  // text tokens of the captured sequence
  QuerySpec query;
  std::string method = "raw";       // or "rollout"
  std::vector<LayerView> layers;
};

}  // namespace attnviz
