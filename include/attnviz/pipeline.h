#pragma once
// One image through one model: preprocessing, prompt, generation, capture, maps.
// The CLI and the tests call this; it sees the model only through model.h.
#include <optional>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "attnviz/attention.h"
#include "attnviz/model.h"
#include "attnviz/query.h"
#include "attnviz/render.h"

namespace attnviz {

struct AnalysisOptions {
  std::string layers = "all";     // layer spec, per stack
  std::string stack;              // empty: the model's default stack; "all": every stack
  HeadFusion fusion;
  bool rollout = false;           // --method rollout: attention rollout up to each layer
  std::optional<QuerySpec> query; // empty: "answer" when generating, else "last"
  bool per_head = false;          // keep unfused heads (npy)
  std::optional<std::string> prompt;
  std::optional<std::vector<int64_t>> input_ids;
  bool generate = true;           // generate an answer when the model can
  int max_new_tokens = 0;         // 0: the metadata's
  int budget = 0;                 // 0: the metadata's default
  std::optional<Preprocess> preprocess;      // overrides the metadata's
  std::optional<TokenSpan> image_tokens;     // overrides the inferred layout
  int64_t max_pixels = 100'000'000;
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
  cv::Mat image;            // as loaded (BGR), for rendering
  int input_h = 0, input_w = 0;
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

// Resolves which sites the options select (throws a usage Error for a bad spec).
std::vector<int> select_sites(const Model& model, const std::string& stack_spec,
                              const std::string& layer_spec);

Analysis analyze_image(const Model& model, const std::string& image_path,
                       const AnalysisOptions& options);

// The same for an image already in memory.
Analysis analyze_loaded_image(const Model& model, const cv::Mat& image,
                              const std::string& image_path, const AnalysisOptions& options);

}  // namespace attnviz
