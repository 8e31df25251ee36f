#pragma once
// One image through one model: preprocessing, prompt, generation, capture, maps.
// The CLI and the tests call this; it sees the model only through model.h.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "attnviz/analysis.h"
#include "attnviz/attention.h"
#include "attnviz/image.h"
#include "attnviz/layer_selection.h"
#include "attnviz/model.h"
#include "attnviz/query.h"

namespace attnviz {

struct AnalysisOptions {
  LayerSelection layers;          // per stack; default: all
  std::string stack;              // empty: the model's default stack; "all": every stack
  HeadFusion fusion;
  bool rollout = false;           // attention rollout up to each layer, instead of raw
  std::optional<QuerySpec> query; // empty: "answer" when generating, else "last"
  bool per_head = false;          // keep unfused heads (npy)
  std::optional<std::string> prompt;
  std::optional<std::vector<int64_t>> input_ids;
  bool generate = true;           // generate an answer when the model can
  int max_new_tokens = 0;         // 0: the metadata's
  int budget = 0;                 // 0: the metadata's default
  std::optional<Preprocess> preprocess;      // overrides the metadata's
  std::optional<TokenSpan> image_tokens;     // overrides the inferred layout
  int64_t max_pixels = kDefaultMaxPixels;
};

// Resolves which sites the options select (throws a usage Error for a bad selection).
std::vector<int> select_sites(const Model& model, const std::string& stack, const LayerSelection& layers);

Analysis analyze_image(const Model& model, const std::string& image_path, const AnalysisOptions& options);

// The same for an image already in memory.
Analysis analyze_loaded_image(const Model& model, const cv::Mat& image, const std::string& image_path,
                              const AnalysisOptions& options);

}  // namespace attnviz
