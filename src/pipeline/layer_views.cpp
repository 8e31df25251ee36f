#include "layer_views.h"

#include <algorithm>
#include <cmath>

#include "attnviz/error.h"

namespace attnviz {
namespace {

// The upper triangle is exactly zero, as far as the capture shows it: every row of a full
// matrix, the rows captured alone, or the pooled cells that lie wholly above the diagonal.
bool causal(const AttentionMap& layer) {
  if (layer.tq != layer.tk || layer.windowed()) return false;
  int rows = 0, cols = 0;
  const auto stored = layer.stored_matrix(&rows, &cols);
  if (!stored.empty()) {
    const int p = layer.pool;
    for (int i = 0; i < rows; ++i)
      for (int j = 0; j < cols; ++j)
        if (j * p > (i + 1) * p - 1 && stored[static_cast<size_t>(i) * cols + j] != 0.0f) return false;
    return true;
  }
  for (int r : layer.rows) {
    const float* row = layer.query_row(r);
    for (int j = r + 1; row && j < layer.tk; ++j)
      if (row[j] != 0.0f) return false;
  }
  return !layer.rows.empty();
}

void note_once(std::vector<std::string>& notes, const std::string& note) {
  if (std::find(notes.begin(), notes.end(), note) == notes.end()) notes.push_back(note);
}

// Consecutive key positions as [begin, end) ranges.
std::vector<KeyRange> ranges_of(const std::vector<int>& keys, size_t from, size_t to) {
  std::vector<KeyRange> out;
  for (size_t i = from; i < to && i < keys.size(); ++i) {
    if (!out.empty() && out.back().end == keys[i]) ++out.back().end;
    else out.push_back({keys[i], keys[i] + 1});
  }
  return out;
}

// The query the layer can honour: a text query where the stack sees no text, or a CLS
// query where there is no prefix token, falls back, and says so.
QuerySpec honoured_query(const QuerySpec& asked, const SequenceLayout& seq, const AttentionMap& layer,
                         const TextLayout& text, std::vector<std::string>& notes) {
  const bool needs_text = asked.kind == QuerySpec::Kind::answer || asked.kind == QuerySpec::Kind::text;
  const std::string where = layer.stack + ": ";
  if (needs_text && seq.text.empty()) {
    const QuerySpec q = parse_query(seq.cls ? "cls" : "last");
    note_once(notes, where + "query " + asked.str() + ": this stack sees no text tokens; its " + q.str() +
                         " row is shown");
    return q;
  }
  if (asked.kind == QuerySpec::Kind::cls && !seq.cls) {
    note_once(notes, where + "query cls: there is no CLS (prefix) token before the image here; the last row is shown");
    return parse_query("last");
  }
  if (asked.kind == QuerySpec::Kind::cls && text.query_is_default)
    note_once(notes, where + "query cls: the model takes no text; the CLS (prefix) row is shown");
  return asked;
}

// The prompt's text tokens come first among the text the layout places.
int prompt_tokens(const TokenLayout& layout, const TextLayout& text) {
  return static_cast<int>(std::count_if(layout.text_ids.begin(), layout.text_ids.end(),
                                        [&](int i) { return i < text.prompt_ids; }));
}

void set_spans(LayerView& view, const TokenLayout& layout, int prompt) {
  if (!layout.images.empty()) view.spans.image = layout.images.front();
  view.text_positions = layout.text;
  view.image_token_id = layout.image_id;
  view.spans.prompt = ranges_of(layout.text, 0, static_cast<size_t>(prompt));
  view.spans.answer = ranges_of(layout.text, static_cast<size_t>(prompt), layout.text.size());
}

// A windowed layer: the windows' attention is kept apart; no map over the image and no
// token x token matrix, which would have to average windows to exist.
LayerView windowed_view(AttentionMap layer, const QuerySpec& asked, const TextLayout& text,
                        std::vector<std::string>& notes) {
  note_once(notes, layer.stack + ": windowed attention (" + std::to_string(layer.windows) + " windows of " +
                       std::to_string(layer.tq) + " tokens, " + std::to_string(layer.heads) +
                       " heads): a window's map is not the image's, and windows are never averaged; "
                       "no overlay or matrix is drawn for these layers");
  if (!text.query_is_default)
    note_once(notes, layer.stack + ": query " + asked.str() + ": not applied: windowed attention has no row for it");
  LayerView view;
  view.attention = std::move(layer);
  return view;
}

}  // namespace

int64_t image_token_id(const Model& model, const AnalysisOptions& o) {
  if (o.layout) return o.layout->kind == StackLayout::Kind::placeholder ? o.layout->image_token_id : -1;
  if (const auto& meta = model.metadata())
    for (const auto& [name, layout] : meta->stacks)
      if (layout.kind == StackLayout::Kind::placeholder) return layout.image_token_id;
  return -1;
}

LayerView layer_view(const Model& model, const AnalysisOptions& o, const Analysis& a, const TextLayout& text,
                     AttentionMap layer, std::vector<std::string>& notes) {
  if (!layer.finite) fail_model(model.path(), "attention of " + layer.name + " contains NaN or Inf");
  if (layer.windowed()) return windowed_view(std::move(layer), a.query, text, notes);
  LayoutInputs in{layer.tk, text.ids, a.input_h, a.input_w, {0, 0}};
  if (a.budget_grid.size() == 2) in.budget_grid = {a.budget_grid[0], a.budget_grid[1]};
  const LayoutChoice choice = choose_layout(model, o, layer.stack, in);
  if (!choice.note.empty()) note_once(notes, layer.stack + ": " + choice.note);
  LayerView view;
  SequenceLayout seq;
  seq.tq = layer.tq;
  seq.tk = layer.tk;
  if (choice.layout) {
    const TokenLayout& t = *choice.layout;
    view.layout = t.describe();
    if (!t.images.empty()) view.image_tokens = t.images.front();
    if (!t.prefix.empty()) seq.cls = t.prefix.front();
    const int prompt = prompt_tokens(t, text);
    if (!t.text.empty()) {  // a stack that sees the text
      seq.text = t.text;
      seq.prompt_len = prompt;
      seq.answer_len = static_cast<int>(t.text.size()) - prompt;
    }
    set_spans(view, t, prompt);
  }
  const QuerySpec q = honoured_query(a.query, seq, layer, text, notes);
  view.query_rows = query_rows(q, seq);
  if (view.image_tokens) {
    view.map = image_map(layer, view.query_rows, *view.image_tokens);
    if (seq.answer_len > 0)
      for (int row : query_rows(parse_query("answer"), seq))
        view.token_maps.push_back(image_map(layer, {row}, *view.image_tokens));
  }
  view.causal = causal(layer);
  view.attention = std::move(layer);
  return view;
}

LayoutChoice choose_layout(const Model& model, const AnalysisOptions& o, const std::string& stack,
                           const LayoutInputs& in) {
  LayoutChoice c;
  if (o.layout) {
    c.layout = resolve_layout(*o.layout, in, o.layout_source, static_cast<int>(ExitCode::usage));
    return c;
  }
  const auto& meta = model.metadata();
  if (meta)
    if (const StackLayout* described = find_stack_layout(*meta, stack)) {
      c.layout = resolve_layout(*described, in, model.path() + ": " + kMetadataFile + ": the layout of " + stack,
                                static_cast<int>(ExitCode::model));
      c.layout->source = "metadata";
      return c;
    }
  const InferredLayout guess = infer_layout(in);
  c.layout = guess.layout;
  c.note = guess.layout ? "image tokens inferred: " + guess.layout->describe() +
                              " (the metadata's stacks or --image-tokens say otherwise)"
                        : "no overlay: " + guess.refusal +
                              "; give the layout with --image-tokens OFFSET:HxW, --layout or --image-token-id, or "
                              "in the model's metadata (docs/metadata.md)";
  return c;
}

}  // namespace attnviz
