#pragma once
// Where the image, text and prefix tokens sit in a stack's sequence of keys, and how the
// image tokens map to the patch grid. A layout is described (metadata, or a flag) and then
// resolved against one run: the key count of the attention and the ids fed.
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace attnviz {

// More image tokens than this in one grid is a malformed layout, not a model.
inline constexpr int kMaxImageTokens = 1'000'000;

// Image tokens: `count` = grid_h * grid_w keys from `offset`, row-major on the grid.
struct TokenSpan {
  int offset = 0;
  int count = 0;
  int grid_h = 0;
  int grid_w = 0;
};

// One piece of a described layout (docs/metadata.md, "stacks").
struct LayoutSegment {
  enum class Kind { prefix, text, image };
  Kind kind = Kind::text;
  int count = 0;            // prefix and text tokens; text: -1 is "rest", the ids left
  int grid_h = 0, grid_w = 0;
  bool grid_from_budget = false;  // image: the grid of the run's visual-token budget
};

// How a stack's sequence is described.
struct StackLayout {
  enum class Kind {
    image_tokens,  // [offset prefix tokens][grid], then all the ids, or nothing after
    segments,      // an ordered list of segments
    placeholder,   // the ids hold runs of image_token_id where the image tokens are
  };
  Kind kind = Kind::image_tokens;
  std::vector<LayoutSegment> segments;  // image_tokens: [prefix][image]; segments: all
  int64_t image_token_id = -1;          // placeholder
  std::vector<std::array<int, 2>> image_grids;  // placeholder: per run; empty: inferred
  int prefix = 0;                       // placeholder: positions before the ids
};

// A layout resolved for one run of one stack.
struct TokenLayout {
  int keys = 0;
  std::vector<TokenSpan> images;   // each image's tokens (the first is the one drawn)
  std::vector<int> prefix;         // key positions of tokens neither text nor image (CLS)
  std::vector<int> text;           // key position of each text id fed, prompt then answer
  std::vector<int> text_ids;       // for each of those, its index in the ids fed
  int64_t image_id = -1;           // the id the ids hold where the image tokens are, if they do
  std::string source;              // where it came from: "metadata", "--layout", "inferred", ...

  // "197 keys = 1 prefix + 14×14", "104 keys = 2 text + 8×12 + 6 text".
  std::string describe() const;
};

// What a layout is resolved against.
struct LayoutInputs {
  int keys = 0;                    // the stack's key count (tk)
  std::vector<int64_t> ids;        // input_ids fed: the prompt (placeholders included), the answer
  int image_h = 0, image_w = 0;    // the preprocessed image, for inferring grids
  std::array<int, 2> budget_grid{0, 0};  // the run's budget grid, when it has one
};

// Resolves `layout`; throws an Error (code `code`, naming `source`) when it does not fit
// the keys, e.g. "attnviz.json: the layout of lm (2 text + 8×12 + rest) ...".
TokenLayout resolve_layout(const StackLayout& layout, const LayoutInputs& in, const std::string& source,
                           int code = 3);

// Without a description: [0 or 1 prefix token][an image grid][the text, or nothing]. Only a
// layout that is the one candidate whose grid fits the image's aspect ratio (within 10%)
// is returned; otherwise `refusal` says why none was taken.
struct InferredLayout {
  std::optional<TokenLayout> layout;
  std::string refusal;
};
InferredLayout infer_layout(const LayoutInputs& in);

// Parses "OFFSET:HxW" (e.g. "1:14x14"): the image_tokens form.
StackLayout parse_image_tokens(const std::string& text);
// Parses "prefix:1,text:2,image:24x24,text:rest".
StackLayout parse_layout(const std::string& text);

}  // namespace attnviz
