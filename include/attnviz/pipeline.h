#pragma once
// One image through one model: preprocessing, prompt, generation, capture, maps.
// The CLI and the tests call this; it sees the model only through model.h.
#include <cstdint>
#include <memory>
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
#include "attnviz/text_tokenizer.h"
#include "attnviz/token_layout.h"

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
  std::optional<std::string> answer;  // teacher forcing: this answer instead of generating
  int max_new_tokens = 0;         // 0: the metadata's
  int budget = 0;                 // 0: the metadata's default
  std::optional<Preprocess> preprocess;      // overrides the metadata's
  std::optional<StackLayout> layout;         // overrides the metadata's and the inferred one
  std::string layout_source = "the given layout";  // names it in errors (the CLI: the flag)
  std::shared_ptr<const TextTokenizer> tokenizer;  // empty: the model's (model_tokenizer)
  int64_t max_pixels = kDefaultMaxPixels;
  // What the outputs need of each layer. Without the whole matrix (no grid, npy, HTML,
  // rollout; a query of the answer, last or CLS row), only those rows are captured. A
  // max_matrix_side > 0 pools the matrix to at most that many rows and columns.
  bool full_matrix = true;
  int max_matrix_side = 0;
};

// The model's tokenizer: a tokenizer.json file when `file` is given, else the metadata's
// word list or the archive's tokenizer.json; null when it has none. Loading a large
// tokenizer.json takes a moment: load it once per model and put it in AnalysisOptions.
std::shared_ptr<const TextTokenizer> model_tokenizer(const Model& model, const std::string& file = "");

// Inputs to settle a model on (Model::settle) and to probe its shapes, without an image
// file: a blank image of the preprocessed size (image_h x image_w when the preprocessing
// has no size) and the prompt (or ids) the options give, else the metadata's default.
ModelInputs probe_inputs(const Model& model, const AnalysisOptions& options, int image_h, int image_w);

// A stack's layout for one run: the options', the metadata's, or inferred. `note` says
// what was inferred, or why no layout was taken (then `layout` is empty).
struct LayoutChoice {
  std::optional<TokenLayout> layout;
  std::string note;
};
LayoutChoice choose_layout(const Model& model, const AnalysisOptions& options, const std::string& stack,
                           const LayoutInputs& in);

// Resolves which sites the options select (throws a usage Error for a bad selection).
std::vector<int> select_sites(const Model& model, const std::string& stack, const LayerSelection& layers);

Analysis analyze_image(const Model& model, const std::string& image_path, const AnalysisOptions& options);

// The same for an image already in memory.
Analysis analyze_loaded_image(const Model& model, const cv::Mat& image, const std::string& image_path,
                              const AnalysisOptions& options);

}  // namespace attnviz
