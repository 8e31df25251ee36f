#pragma once
// Where the image tokens sit in a stack's sequence, and how they map to the patch grid.
#include <optional>
#include <string>

#include "attnviz/metadata.h"

namespace attnviz {

// More image tokens than this in one grid is a malformed layout, not a model.
inline constexpr int kMaxImageTokens = 1'000'000;

struct TokenSpan {
  int offset = 0;
  int count = 0;
  int grid_h = 0;
  int grid_w = 0;
};

struct LayoutQuery {
  std::string stack;
  int tk = 0;          // key length of the stack's attention
  int text_len = 0;    // number of text tokens fed (0 for image-only models)
  int image_h = 0;     // preprocessed image size, for the aspect ratio
  int image_w = 0;
  int budget = 0;      // 0: none
};

// From metadata when it names the stack, else inferred from the token count:
// tk = n or 1 + n (a CLS/prefix token), or those plus the text tokens, with n = h*w
// the grid closest to the image's aspect ratio. Empty when nothing fits.
std::optional<TokenSpan> resolve_image_tokens(const Metadata* meta, const LayoutQuery& q);

// Parses a user override "OFFSET:HxW" (e.g. "1:14x14").
TokenSpan parse_token_span(const std::string& text);

}  // namespace attnviz
