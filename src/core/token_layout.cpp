#include "attnviz/token_layout.h"

#include <cmath>
#include <cstdio>

#include "attnviz/error.h"
#include "attnviz/strings.h"

namespace attnviz {
namespace {

// The h x w factorisation of n whose aspect ratio is closest to the image's.
std::optional<std::pair<int, int>> grid_for(int n, int image_h, int image_w) {
  if (n <= 0) return std::nullopt;
  double aspect = (image_h > 0 && image_w > 0) ? double(image_h) / image_w : 1.0;
  std::optional<std::pair<int, int>> best;
  double best_err = 1e9;
  for (int h = 1; h <= n; ++h) {
    if (n % h) continue;
    int w = n / h;
    double err = std::fabs(std::log(double(h) / w) - std::log(aspect));
    if (err < best_err - 1e-9) {
      best_err = err;
      best = std::make_pair(h, w);
    }
  }
  // A grid whose shape disagrees with the image (e.g. a prime token count) is no grid.
  if (!best || best_err > std::log(2.0) + 1e-9 || (n > 3 && (best->first == 1 || best->second == 1)))
    return std::nullopt;
  return best;
}

}  // namespace

std::optional<TokenSpan> resolve_image_tokens(const Metadata* meta, const LayoutQuery& q) {
  if (meta) {
    if (const ImageTokenSpec* spec = find_stack_spec(*meta, q.stack)) {
      TokenSpan span;
      span.offset = spec->offset;
      if (spec->grid_from_budget) {
        int budget = q.budget ? q.budget : meta->default_budget;
        auto it = meta->budget_grids.find(budget);
        if (it == meta->budget_grids.end()) return std::nullopt;
        span.grid_h = it->second[0];
        span.grid_w = it->second[1];
      } else {
        span.grid_h = spec->grid_h;
        span.grid_w = spec->grid_w;
      }
      span.count = span.grid_h * span.grid_w;
      return span;
    }
  }
  // No metadata for this stack: the image tokens are a grid, maybe after one prefix
  // (CLS) token, maybe followed by the text.
  for (int text : {0, q.text_len}) {
    for (int offset : {0, 1}) {
      int n = q.tk - text - offset;
      if (auto grid = grid_for(n, q.image_h, q.image_w)) {
        return TokenSpan{offset, n, grid->first, grid->second};
      }
    }
    if (q.text_len == 0) break;
  }
  return std::nullopt;
}

TokenSpan parse_token_span(const std::string& text) {
  const size_t colon = text.find(':');
  const size_t x = colon == std::string::npos ? colon : text.find('x', colon);
  std::optional<long long> offset, h, w;
  if (x != std::string::npos) {
    offset = parse_integer(text.substr(0, colon), 0, kMaxImageTokens);
    h = parse_integer(text.substr(colon + 1, x - colon - 1), 1, kMaxImageTokens);
    w = parse_integer(text.substr(x + 1), 1, kMaxImageTokens);
  }
  if (!offset || !h || !w || *h * *w > kMaxImageTokens)
    fail_option("image-tokens", " '" + text + "': expected OFFSET:HxW, e.g. 1:14x14");
  const int hi = static_cast<int>(*h), wi = static_cast<int>(*w);
  return TokenSpan{static_cast<int>(*offset), hi * wi, hi, wi};
}

}  // namespace attnviz
