#include "layer_views.h"

#include <cmath>

#include "attnviz/error.h"

namespace attnviz {
namespace {

bool upper_triangle_is_zero(const std::vector<float>& m, int tq, int tk) {
  if (tq != tk) return false;
  for (int i = 0; i < tq; ++i)
    for (int j = i + 1; j < tk; ++j)
      if (m[static_cast<size_t>(i) * tk + j] != 0.0f) return false;
  return true;
}

std::string grid_text(const TokenSpan& s) {
  return "offset " + std::to_string(s.offset) + ", grid " + std::to_string(s.grid_h) + "x" + std::to_string(s.grid_w);
}

// The image tokens of this layer: the override, the metadata's, or inferred; checked
// against the keys the layer has.
std::optional<TokenSpan> image_tokens_of(const Model& model, const AnalysisOptions& o, const Analysis& a,
                                         const TextLayout& text, const AttentionMap& layer) {
  const auto& meta = model.metadata();
  const Metadata* meta_ptr = meta ? &*meta : nullptr;
  LayoutQuery lq{layer.stack, layer.tk, text.text_len, a.input_h, a.input_w, a.budget};
  auto span = o.image_tokens ? std::optional<TokenSpan>(*o.image_tokens) : resolve_image_tokens(meta_ptr, lq);
  if (!span) return span;
  if (span->offset + span->count > layer.tk)
    fail_model(model.path(), "the layout of " + layer.stack + " puts " + std::to_string(span->count) +
                                 " image tokens (grid " + std::to_string(span->grid_h) + "x" +
                                 std::to_string(span->grid_w) + ") at offset " + std::to_string(span->offset) +
                                 ", but its attention has only " + std::to_string(layer.tk) + " keys");
  // The metadata's layout must account for every key: the image tokens end the sequence,
  // or the text follows them (docs/metadata.md). A grid that is merely smaller would draw
  // the wrong tokens as the image.
  const int image_end = span->offset + span->count;
  if (!o.image_tokens && meta_ptr && find_stack_spec(*meta_ptr, layer.stack) && layer.tk != image_end &&
      layer.tk != image_end + text.text_len)
    fail_model(model.path(), std::string(kMetadataFile) + ": the layout of " + layer.stack + " (" + grid_text(*span) +
                                 ") does not match its " + std::to_string(layer.tk) + " keys (expected " +
                                 std::to_string(image_end) +
                                 (text.text_len > 0 ? ", or " + std::to_string(image_end + text.text_len) +
                                                          " with the " + std::to_string(text.text_len) + " text tokens"
                                                    : std::string()) +
                                 ")");
  return span;
}

}  // namespace

LayerView layer_view(const Model& model, const AnalysisOptions& o, const Analysis& a, const TextLayout& text,
                     AttentionMap layer) {
  for (float v : layer.fused)
    if (!std::isfinite(v)) fail_model(model.path(), "attention of " + layer.name + " contains NaN or Inf");
  LayerView view;
  view.image_tokens = image_tokens_of(model, o, a, text, layer);
  const int image_end = view.image_tokens ? view.image_tokens->offset + view.image_tokens->count : 0;
  const bool has_text = text.text_len > 0 && layer.tk == image_end + text.text_len;
  SequenceLayout seq;
  seq.tq = layer.tq;
  seq.text_offset = has_text ? image_end - (layer.tk - layer.tq) : 0;
  seq.prompt_len = has_text ? text.prompt_len : 0;
  seq.answer_len = has_text ? text.answer_len : 0;
  seq.cls_row = 0;
  QuerySpec q = a.query;
  const bool needs_text = q.kind == QuerySpec::Kind::answer || q.kind == QuerySpec::Kind::text;
  if (needs_text && !has_text) q = parse_query(view.image_tokens && view.image_tokens->offset == 1 ? "cls" : "last");
  view.query_rows = query_rows(q, seq);
  const auto matrix = layer.matrix();
  if (view.image_tokens) {
    view.map = image_map(matrix, layer.tq, layer.tk, view.query_rows, *view.image_tokens);
    if (seq.answer_len > 0)
      for (int row : query_rows(parse_query("answer"), seq))
        view.token_maps.push_back(image_map(matrix, layer.tq, layer.tk, {row}, *view.image_tokens));
    view.spans.image = *view.image_tokens;
  }
  view.causal = upper_triangle_is_zero(matrix, layer.tq, layer.tk);
  if (has_text) {
    view.spans.prompt_begin = image_end;
    view.spans.prompt_end = image_end + text.prompt_len;
    view.spans.answer_begin = image_end + text.prompt_len;
    view.spans.answer_end = image_end + text.prompt_len + text.answer_len;
  }
  view.attention = std::move(layer);
  return view;
}

}  // namespace attnviz
