#include <algorithm>
#include <cmath>
#include <memory>

#include "attnviz/error.h"
#include "attnviz/image.h"
#include "attnviz/layer_spec.h"
#include "attnviz/pipeline.h"
#include "attnviz/rollout.h"
#include "attnviz/site_names.h"
#include "attnviz/tokenizer.h"

namespace attnviz {
namespace {

bool takes(const Model& model, const std::string& input) {
  const auto& inputs = model.inputs();
  return std::any_of(inputs.begin(), inputs.end(), [&](const ForwardInput& i) { return i.name == input; });
}

bool upper_triangle_is_zero(const std::vector<float>& m, int tq, int tk) {
  if (tq != tk) return false;
  for (int i = 0; i < tq; ++i)
    for (int j = i + 1; j < tk; ++j)
      if (m[static_cast<size_t>(i) * tk + j] != 0.0f) return false;
  return true;
}

int resolve_budget(const Model& model, int requested) {
  if (!takes(model, "budget")) {
    if (requested) fail_usage("--budget: " + model.path() + " takes no visual-token budget");
    return 0;
  }
  const auto& meta = model.metadata();
  int budget = requested ? requested : (meta ? meta->default_budget : 0);
  if (!budget) fail_usage(model.path() + ": forward() takes a budget and the metadata names none: pass --budget");
  if (meta && !meta->budget_grids.empty() && !meta->budget_grids.count(budget)) {
    std::string valid;
    for (const auto& [b, grid] : meta->budget_grids) valid += (valid.empty() ? "" : ", ") + std::to_string(b);
    fail_usage("--budget " + std::to_string(budget) + ": not a budget of " + model.path() + " (" + valid + ")");
  }
  return budget;
}

// Rollout at layer l needs layers 0..l of its stack: capture those, roll out, and keep
// the selected ones with their rolled-out matrix in place of the raw one.
ForwardResult run_with_rollout(const Model& model, const ModelInputs& in, const std::vector<int>& selected,
                               const AnalysisOptions& o) {
  std::vector<int> needed;
  for (const auto& stack : model.stacks()) {
    int deepest = -1;
    for (int s : selected)
      if (model.sites()[s].stack == stack.name) deepest = std::max(deepest, model.sites()[s].index);
    for (int l = 0; l <= deepest; ++l) needed.push_back(stack.sites[l]);
  }
  std::sort(needed.begin(), needed.end());
  ForwardResult all = model.run(in, CaptureRequest{needed, o.fusion, o.per_head});
  ForwardResult kept;
  kept.last_logits = std::move(all.last_logits);
  kept.output = std::move(all.output);
  kept.output_shape = std::move(all.output_shape);
  std::vector<std::pair<int, AttentionMap>> by_site;  // execution order = site order
  for (const auto& stack : model.stacks()) {
    std::vector<const AttentionMap*> chain;
    for (const auto& layer : all.layers)
      if (layer.stack == stack.name) chain.push_back(&layer);
    if (chain.empty()) continue;
    auto rolled = attention_rollout(chain);
    for (size_t l = 0; l < chain.size(); ++l) {
      const int site = stack.sites[l];
      if (std::find(selected.begin(), selected.end(), site) == selected.end()) continue;
      AttentionMap m = *chain[l];
      m.fused = std::move(rolled[l]);
      m.fusion.kind = m.fusion.kind == HeadFusion::Kind::all ? HeadFusion::Kind::mean : m.fusion.kind;
      by_site.emplace_back(site, std::move(m));
    }
  }
  std::sort(by_site.begin(), by_site.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
  for (auto& entry : by_site) kept.layers.push_back(std::move(entry.second));
  return kept;
}

}  // namespace

std::vector<int> select_sites(const Model& model, const std::string& stack_spec, const std::string& layer_spec) {
  if (model.sites().empty())
    fail_model(model.path(), "no attention found in forward() (looked for a softmax feeding a matmul with the "
                             "values, and nn.MultiheadAttention)");
  if (layer_spec == "none") return {};  // e.g. a model too shallow for every requested layer
  const std::string spec = stack_spec.empty() ? model.default_stack() : stack_spec;
  std::vector<const Stack*> chosen;
  for (const auto& s : model.stacks())
    if (spec == "all" || stack_matches(spec, s.name)) chosen.push_back(&s);
  if (chosen.empty()) {
    std::string names;
    for (const auto& s : model.stacks()) names += (names.empty() ? "" : ", ") + s.name;
    fail_usage("--stack '" + spec + "': no such stack in " + model.path() + " (" + names + ", or all)");
  }
  std::vector<int> sites;
  for (const Stack* s : chosen) {
    std::vector<int> layers;
    try {
      layers = parse_layer_spec(layer_spec, static_cast<int>(s->sites.size()));
    } catch (const Error& e) {
      fail_usage(std::string(e.what()) + " in stack " + s->name);
    }
    for (int l : layers) sites.push_back(s->sites[l]);
  }
  // Execution order, whatever order the spec named them in.
  std::sort(sites.begin(), sites.end());
  return sites;
}

Analysis analyze_image(const Model& model, const std::string& image_path, const AnalysisOptions& options) {
  return analyze_loaded_image(model, load_image(image_path, options.max_pixels), image_path, options);
}

Analysis analyze_loaded_image(const Model& model, const cv::Mat& image, const std::string& image_path,
                              const AnalysisOptions& o) {
  const auto& meta = model.metadata();
  const Metadata* meta_ptr = meta ? &*meta : nullptr;
  Analysis a;
  a.model_path = model.path();
  a.model_name = meta && !meta->name.empty() ? meta->name : model.path();
  a.image_path = image_path;
  a.image = image;

  const std::vector<int> sites = select_sites(model, o.stack, o.layers);

  ModelInputs in;
  const Preprocess pp = o.preprocess ? *o.preprocess : (meta ? meta->preprocess : Preprocess{});
  in.image = preprocess(image, pp);
  a.input_h = in.image.height;
  a.input_w = in.image.width;
  a.budget = in.budget = resolve_budget(model, o.budget);
  if (a.budget && meta && meta->budget_grids.count(a.budget)) {
    const auto& g = meta->budget_grids.at(a.budget);
    a.budget_grid = {g[0], g[1]};
  }

  // A head index must exist in every selected layer (the number of heads does not depend
  // on the sequence, so this is checked once, before the first tapped pass).
  bool heads_checked = o.fusion.kind != HeadFusion::Kind::head;
  auto check_heads = [&](const ModelInputs& probe) {
    if (heads_checked) return;
    heads_checked = true;
    auto shapes = model.probe_shapes(probe);
    for (int s : sites)
      if (o.fusion.head >= shapes[s][0])
        fail_usage("--heads " + std::to_string(o.fusion.head) + ": " + model.sites()[s].name + " has " +
                   std::to_string(shapes[s][0]) + " heads (0-" + std::to_string(shapes[s][0] - 1) + ")");
  };
  const CaptureRequest request{sites, o.fusion, o.per_head};
  ForwardResult generated_capture;
  bool captured = false;

  std::unique_ptr<WordTokenizer> tokenizer;
  if (meta && meta->tokenizer) tokenizer = std::make_unique<WordTokenizer>(*meta->tokenizer);
  if (takes(model, "input_ids")) {
    if (o.input_ids) {
      a.prompt_ids = *o.input_ids;
      if (tokenizer)
        for (auto id : a.prompt_ids)
          if (id < 0 || id >= static_cast<int64_t>(meta->tokenizer->vocab.size()))
            fail_usage("--input-ids: id " + std::to_string(id) + " is outside the vocabulary (0-" +
                       std::to_string(meta->tokenizer->vocab.size() - 1) + ")");
    } else {
      if (!tokenizer)
        fail_usage(model.path() + ": forward() takes input_ids and the model has no tokenizer: pass --input-ids");
      a.prompt = o.prompt ? *o.prompt : meta->default_prompt;
      if (a.prompt.empty()) fail_usage(model.path() + ": pass --prompt (the model has no default prompt)");
      if (tokenizer->bos() >= 0) a.prompt_ids.push_back(tokenizer->bos());
      auto ids = tokenizer->encode(a.prompt);
      a.prompt_ids.insert(a.prompt_ids.end(), ids.begin(), ids.end());
    }
    if (a.prompt_ids.empty()) fail_usage("--input-ids: empty");
    in.input_ids = a.prompt_ids;
    const bool can_generate = meta && meta->output == "logits" && tokenizer && tokenizer->eos() >= 0;
    if (o.generate && can_generate) {
      int max_new = o.max_new_tokens ? o.max_new_tokens : meta->max_new_tokens;
      if (o.rollout) {
        a.answer_ids = model.generate(in, max_new, tokenizer->eos());
      } else {
        // Captured while generating: the pass that ends the answer is the one to tap,
        // which saves a forward pass over prompt + answer.
        check_heads(in);
        a.answer_ids = model.generate(in, max_new, tokenizer->eos(), request, &generated_capture);
        captured = true;
      }
      a.answer = tokenizer->decode(a.answer_ids);
    }
    in.input_ids.insert(in.input_ids.end(), a.answer_ids.begin(), a.answer_ids.end());
    if (tokenizer)
      for (auto id : in.input_ids) a.tokens.push_back(tokenizer->token(id));
  } else if (o.prompt || o.input_ids) {
    fail_usage(model.path() + ": forward() takes no text (no input_ids argument)");
  }

  check_heads(in);

  ForwardResult result;
  if (o.rollout) {
    a.method = "rollout";
    result = run_with_rollout(model, in, sites, o);
  } else if (captured) {
    result = std::move(generated_capture);
  } else {
    result = model.run(in, request);
  }

  const int text_len = static_cast<int>(in.input_ids.size());
  const int prompt_len = static_cast<int>(a.prompt_ids.size());
  const int answer_len = static_cast<int>(a.answer_ids.size());
  a.query = o.query ? *o.query : (answer_len > 0 ? parse_query("answer") : parse_query("last"));
  for (auto& layer : result.layers) {
    for (float v : layer.fused)
      if (!std::isfinite(v)) fail_model(model.path(), "attention of " + layer.name + " contains NaN or Inf");
    LayerView view;
    LayoutQuery lq{layer.stack, layer.tk, text_len, a.input_h, a.input_w, a.budget};
    view.image_tokens = o.image_tokens ? std::optional<TokenSpan>(*o.image_tokens) : resolve_image_tokens(meta_ptr, lq);
    if (view.image_tokens && view.image_tokens->offset + view.image_tokens->count > layer.tk) {
      const auto& s = *view.image_tokens;
      fail_model(model.path(), "the layout of " + layer.stack + " puts " + std::to_string(s.count) +
                                   " image tokens (grid " + std::to_string(s.grid_h) + "x" + std::to_string(s.grid_w) +
                                   ") at offset " + std::to_string(s.offset) + ", but its attention has only " +
                                   std::to_string(layer.tk) + " keys");
    }
    const int image_end = view.image_tokens ? view.image_tokens->offset + view.image_tokens->count : 0;
    // The metadata's layout must account for every key: the image tokens end the
    // sequence, or the text follows them (docs/metadata.md). A grid that is merely
    // smaller would draw the wrong tokens as the image.
    if (view.image_tokens && !o.image_tokens && meta_ptr && find_stack_spec(*meta_ptr, layer.stack) &&
        layer.tk != image_end && layer.tk != image_end + text_len) {
      const auto& s = *view.image_tokens;
      fail_model(model.path(), std::string(kMetadataFile) + ": the layout of " + layer.stack + " (offset " +
                                   std::to_string(s.offset) + ", grid " + std::to_string(s.grid_h) + "x" +
                                   std::to_string(s.grid_w) + ") does not match its " + std::to_string(layer.tk) +
                                   " keys (expected " + std::to_string(image_end) +
                                   (text_len > 0 ? ", or " + std::to_string(image_end + text_len) + " with the " +
                                                       std::to_string(text_len) + " text tokens"
                                                 : std::string()) +
                                   ")");
    }
    const bool has_text = text_len > 0 && layer.tk == image_end + text_len;
    SequenceLayout seq;
    seq.tq = layer.tq;
    seq.text_offset = has_text ? image_end - (layer.tk - layer.tq) : 0;
    seq.prompt_len = has_text ? prompt_len : 0;
    seq.answer_len = has_text ? answer_len : 0;
    seq.cls_row = 0;
    QuerySpec q = a.query;
    bool needs_text = q.kind == QuerySpec::Kind::answer || q.kind == QuerySpec::Kind::text;
    if (needs_text && !has_text) q = parse_query(view.image_tokens && view.image_tokens->offset == 1 ? "cls" : "last");
    view.query_rows = query_rows(q, seq);
    const auto matrix = layer.matrix();
    if (view.image_tokens) {
      view.map = image_map(matrix, layer.tq, layer.tk, view.query_rows, *view.image_tokens);
      if (seq.answer_len > 0)
        for (int row : query_rows(parse_query("answer"), seq))
          view.token_maps.push_back(image_map(matrix, layer.tq, layer.tk, {row}, *view.image_tokens));
    }
    view.causal = upper_triangle_is_zero(matrix, layer.tq, layer.tk);
    if (view.image_tokens) view.spans.image = *view.image_tokens;
    if (has_text) {
      view.spans.prompt_begin = image_end;
      view.spans.prompt_end = image_end + prompt_len;
      view.spans.answer_begin = image_end + prompt_len;
      view.spans.answer_end = image_end + prompt_len + answer_len;
    }
    view.attention = std::move(layer);
    a.layers.push_back(std::move(view));
  }
  return a;
}

}  // namespace attnviz
