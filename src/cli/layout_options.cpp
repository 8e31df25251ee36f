#include "layout_options.h"

#include "attnviz/error.h"
#include "attnviz/strings.h"

namespace attnviz::cli {
namespace {

std::array<int, 2> parse_grid(const std::string& text) {
  const size_t x = text.find('x');
  std::optional<long long> h, w;
  if (x != std::string::npos) {
    h = parse_integer(text.substr(0, x), 1, kMaxImageTokens);
    w = parse_integer(text.substr(x + 1), 1, kMaxImageTokens);
  }
  if (!h || !w || *h * *w > kMaxImageTokens) fail_usage("--image-grid '" + text + "': expected HxW, e.g. 24x24");
  return {static_cast<int>(*h), static_cast<int>(*w)};
}

}  // namespace

void LayoutArgs::add_to(CLI::App& cmd) {
  cmd.add_option("--image-tokens", image_tokens,
                 "Image tokens at OFFSET:HxW; the keys before them are a prefix (CLS), or the first text tokens "
                 "when as many (default: metadata, else inferred when unambiguous)");
  cmd.add_option("--layout", layout,
                 "The sequence as segments, e.g. text:2,image:24x24,text:rest or prefix:1,image:14x14 (docs/cli.md)");
  cmd.add_option("--image-token-id", image_token_id,
                 "The image placeholder id of input_ids: each run of it is an image's tokens (Hugging Face style)")
      ->check(CLI::NonNegativeNumber);
  cmd.add_option("--image-grid", image_grid, "With --image-token-id: the grid HxW of the image tokens (default: inferred)");
  cmd.add_option("--tokenizer", tokenizer,
                 "A Hugging Face tokenizer.json for --prompt and the answers (default: the model's own)");
}

void LayoutArgs::apply(AnalysisOptions& o) const {
  const int given = !image_tokens.empty() + !layout.empty() + (image_token_id >= 0);
  if (given > 1) fail_usage("--image-tokens, --layout and --image-token-id describe one layout: give one of them");
  if (!image_grid.empty() && image_token_id < 0) fail_usage("--image-grid goes with --image-token-id");
  if (!image_tokens.empty()) {
    o.layout = parse_image_tokens(image_tokens);
    o.layout_source = "--image-tokens " + image_tokens;
  } else if (!layout.empty()) {
    o.layout = parse_layout(layout);
    o.layout_source = "--layout " + layout;
  } else if (image_token_id >= 0) {
    StackLayout l;
    l.kind = StackLayout::Kind::placeholder;
    l.image_token_id = image_token_id;
    if (!image_grid.empty()) l.image_grids.push_back(parse_grid(image_grid));
    o.layout = l;
    o.layout_source = "--image-token-id " + std::to_string(image_token_id);
  }
}

}  // namespace attnviz::cli
