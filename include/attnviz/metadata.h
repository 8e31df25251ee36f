#pragma once
// The attnviz metadata a model may embed as the extra file `attnviz.json`
// (format in docs/metadata.md).
#include <array>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "attnviz/resize.h"
#include "attnviz/token_layout.h"

namespace attnviz {

struct Preprocess {
  std::optional<std::array<int, 2>> size;  // [H, W]; empty: feed the image at its own size
  ResizeMode resize = ResizeMode::squash;
  Interpolation interpolation = Interpolation::bilinear;
  // On: resample as PIL's Image.resize (what torchvision's Resize does to PIL images);
  // off: as torch's interpolate(antialias=False) (torchvision's Resize on tensors).
  bool antialias = true;
  bool bgr = false;
  double scale = 255.0;
  std::array<double, 3> mean{0.485, 0.456, 0.406};  // ImageNet defaults
  std::array<double, 3> std{0.229, 0.224, 0.225};
};

// Preprocessing settings given by the caller, each replacing the metadata's.
struct PreprocessOverride {
  std::optional<std::array<int, 2>> size;  // [H, W]
  std::optional<std::array<double, 3>> mean, std;
  std::optional<ResizeMode> resize;
  std::optional<Interpolation> interpolation;
  std::optional<bool> antialias;
  bool bgr = false;
  bool empty() const { return !size && !mean && !std && !resize && !interpolation && !antialias && !bgr; }
  Preprocess applied_to(Preprocess p) const;
};

// The bundled models' word list ("type": "words"), or the archive's tokenizer.json
// ("type": "tokenizer.json"); `bos` and `eos` name special tokens to use instead of the
// tokenizer's own.
struct TokenizerSpec {
  enum class Kind { words, tokenizer_json };
  Kind kind = Kind::words;
  std::vector<std::string> vocab;  // words
  std::string bos, eos, unk;
};

struct Metadata {
  std::string name;
  std::string description;
  std::vector<std::string> inputs{"image"};
  std::string output = "other";
  Preprocess preprocess;
  std::map<std::string, StackLayout> stacks;  // by stack name or prefix (docs/metadata.md)
  std::map<int, std::array<int, 2>> budget_grids;
  int default_budget = 0;
  std::optional<TokenizerSpec> tokenizer;
  int max_new_tokens = 16;
  std::string default_prompt;
  std::string json;  // the document as embedded, for `inspect`
};

inline constexpr const char* kMetadataFile = "attnviz.json";
// A Hugging Face tokenizer the archive may carry (docs/metadata.md).
inline constexpr const char* kTokenizerFile = "tokenizer.json";

// Parses and validates the metadata; `source` names the model file in errors.
Metadata parse_metadata(const std::string& text, const std::string& source);

// The token layout for a stack: the entry whose key equals the stack name or is a
// prefix of it at a '.' boundary (longest wins).
const StackLayout* find_stack_layout(const Metadata& meta, const std::string& stack);

}  // namespace attnviz
