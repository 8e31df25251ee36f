// One image through one model: inputs, text (prompt and generated answer), capture,
// then a view per captured layer (analysis_views.cpp).
#include <algorithm>
#include <memory>

#include "attnviz/error.h"
#include "attnviz/pipeline.h"
#include "attnviz/rollout.h"
#include "attnviz/site_names.h"
#include "attnviz/tokenizer.h"
#include "layer_views.h"

namespace attnviz {
namespace {

int resolve_budget(const Model& model, int requested) {
  if (!model.takes("budget")) {
    if (requested) fail_option("budget", ": " + model.path() + " takes no visual-token budget");
    return 0;
  }
  const auto& meta = model.metadata();
  int budget = requested ? requested : (meta ? meta->default_budget : 0);
  if (!budget)
    throw Error(ExitCode::usage, model.path() + ": forward() takes a budget and the metadata names none: pass ",
                "budget", "");
  if (meta && !meta->budget_grids.empty() && !meta->budget_grids.count(budget)) {
    std::string valid;
    for (const auto& [b, grid] : meta->budget_grids) valid += (valid.empty() ? "" : ", ") + std::to_string(b);
    fail_option("budget", " " + std::to_string(budget) + ": not a budget of " + model.path() + " (" + valid + ")");
  }
  return budget;
}

// Rollout at layer l needs layers 0..l of its stack. It is carried through the forward
// (one running product per stack, model_io.h); a model whose chain cannot be carried that
// way (a layer in a branch, windows) gets every raw layer captured and rolled out here,
// which holds them all at once and names a layer rollout cannot use.
ForwardResult run_with_rollout(const Model& model, const ModelInputs& in, const std::vector<int>& selected,
                               const AnalysisOptions& o) {
  std::vector<std::vector<int>> chains;
  for (const auto& stack : model.stacks()) {
    int deepest = -1;
    for (int s : selected)
      if (model.sites()[s].stack == stack.name) deepest = std::max(deepest, model.sites()[s].index);
    if (deepest >= 0) chains.emplace_back(stack.sites.begin(), stack.sites.begin() + deepest + 1);
  }
  if (!o.per_head) {
    CaptureRequest streamed{selected, o.fusion, false};
    streamed.rollout_chains = chains;
    try {
      return model.run(in, streamed);
    } catch (const Error& e) {
      if (e.code() != ExitCode::model) throw;
    }
  }
  std::vector<int> needed;
  for (const auto& chain : chains) needed.insert(needed.end(), chain.begin(), chain.end());
  std::sort(needed.begin(), needed.end());
  ForwardResult all = model.run(in, CaptureRequest{needed, o.fusion, o.per_head});
  ForwardResult kept;
  kept.last_logits = std::move(all.last_logits);
  kept.output = std::move(all.output);
  kept.output_shape = std::move(all.output_shape);
  std::vector<std::pair<int, AttentionMap>> by_site;  // execution order = site order
  for (const auto& chain_sites : chains) {
    std::vector<const AttentionMap*> chain;
    for (int site : chain_sites)
      chain.push_back(&all.layers[std::find(needed.begin(), needed.end(), site) - needed.begin()]);
    auto rolled = attention_rollout(chain);
    for (size_t l = 0; l < chain.size(); ++l) {
      const int site = chain_sites[l];
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

// One analysis in progress: what it needs at every step.
class Analyzer {
 public:
  Analyzer(const Model& model, const AnalysisOptions& o)
      : model_(model), o_(o), tokenizer_(o.tokenizer ? o.tokenizer : model_tokenizer(model)),
        placeholder_(image_token_id(model, o)) {}

  Analysis run(const cv::Mat& image, const std::string& image_path) {
    start(image, image_path);
    if (model_.takes("input_ids")) {
      read_prompt();
    } else if (o_.prompt || o_.input_ids) {
      fail_usage(model_.path() + ": forward() takes no text (no input_ids argument)");
    }
    model_.settle(in_);
    sites_ = select_sites(model_, o_.stack, o_.layers);
    if (model_.takes("input_ids")) generate_answer();
    check_heads(in_);
    ForwardResult result = capture();
    a_.query = o_.query ? *o_.query : default_query();
    const TextLayout text{in_.input_ids, static_cast<int>(a_.prompt_ids.size()), !o_.query};
    if (!make_views(result, text)) {
      // The query's rows were not among those captured alone (a layout with text after
      // the answer): once more with the whole matrix.
      rows_only_ = false;
      result = model_.run(in_, request());
      make_views(result, text);
    }
    label_tokens();
    return std::move(a_);
  }

 private:
  void start(const cv::Mat& image, const std::string& image_path) {
    const auto& meta = model_.metadata();
    a_.model_path = model_.path();
    a_.model_name = meta && !meta->name.empty() ? meta->name : model_.path();
    a_.image_path = image_path;
    a_.preprocess = o_.preprocess ? *o_.preprocess : (meta ? meta->preprocess : Preprocess{});
    a_.resize = plan_resize(image.rows, image.cols, a_.preprocess.size, a_.preprocess.resize);
    const PixelRect seen = a_.resize.source_region();
    a_.image = std::make_shared<const BgrImage>(to_bgr_image(image(cv::Rect(seen.x, seen.y, seen.width, seen.height))));
    in_.image = preprocess(image, a_.preprocess);
    a_.input_h = in_.image.height;
    a_.input_w = in_.image.width;
    a_.budget = in_.budget = resolve_budget(model_, o_.budget);
    if (a_.budget && meta && meta->budget_grids.count(a_.budget)) {
      const auto& g = meta->budget_grids.at(a_.budget);
      a_.budget_grid = {g[0], g[1]};
    }
  }

  void read_prompt() {
    const auto& meta = model_.metadata();
    if (o_.input_ids) {
      a_.prompt_ids = *o_.input_ids;
      if (tokenizer_)
        for (auto id : a_.prompt_ids)
          if (id < 0 || id >= tokenizer_->vocab_size())
            fail_option("input-ids", ": id " + std::to_string(id) + " is outside the vocabulary (0-" +
                                         std::to_string(tokenizer_->vocab_size() - 1) + ")");
    } else {
      if (!tokenizer_)
        throw Error(ExitCode::usage,
                    model_.path() + ": forward() takes input_ids and the model has no tokenizer: pass ",
                    "input-ids", "");
      a_.prompt = o_.prompt ? *o_.prompt : (meta ? meta->default_prompt : "");
      if (a_.prompt.empty())
        throw Error(ExitCode::usage, model_.path() + ": pass ", "prompt", " (the model has no default prompt)");
      a_.prompt_ids = tokenizer_->encode(a_.prompt);
    }
    if (a_.prompt_ids.empty()) fail_option("input-ids", ": empty");
    in_.input_ids = a_.prompt_ids;
  }

  // Generation needs logits (the metadata says so, or the caller asked for new tokens)
  // and an end-of-sequence token.
  bool can_generate() const {
    const auto& meta = model_.metadata();
    return o_.generate && tokenizer_ && tokenizer_->eos() &&
           ((meta && meta->output == "logits") || o_.max_new_tokens > 0);
  }

  void generate_answer() {
    if (o_.answer) {
      // Teacher forcing: the answer given, attributed in one pass.
      if (!tokenizer_)
        throw Error(ExitCode::usage, model_.path() + ": ", "answer", " needs a tokenizer (the model has none)");
      a_.answer_ids = tokenizer_->encode(*o_.answer, false);
      a_.answer = tokenizer_->decode(a_.answer_ids);
    } else if (can_generate()) {
      const int max_new = max_new_tokens();
      const int64_t eos = *tokenizer_->eos();
      if (o_.rollout) {
        a_.answer_ids = model_.generate(in_, max_new, eos);
      } else {
        // Captured while generating: the pass that ends the answer is the one to tap,
        // which saves a forward pass over prompt + answer.
        check_heads(in_);
        a_.answer_ids = model_.generate(in_, max_new, eos, request(), &generated_capture_);
        captured_ = true;
      }
      a_.answer = tokenizer_->decode(a_.answer_ids);
    }
    in_.input_ids.insert(in_.input_ids.end(), a_.answer_ids.begin(), a_.answer_ids.end());
  }

  // The text tokens as labels: every id fed but those standing for the image (the
  // placeholder the options or the metadata name, or one a layer's layout found).
  void label_tokens() {
    if (!tokenizer_) return;
    int64_t image_id = placeholder_;
    for (const auto& l : a_.layers)
      if (l.image_token_id >= 0) image_id = l.image_token_id;
    for (auto id : in_.input_ids)
      if (id != image_id) a_.tokens.push_back(tokenizer_->display_token(id));
  }

  // False when a layer lacks a row its query needs.
  bool make_views(ForwardResult& result, const TextLayout& text) {
    a_.layers.clear();
    a_.fallbacks.clear();
    for (auto& layer : result.layers) {
      a_.layers.push_back(layer_view(model_, o_, a_, text, std::move(layer), a_.fallbacks));
      const LayerView& v = a_.layers.back();
      for (int r : v.query_rows)
        if (v.map && !v.attention.has_row(r)) return false;
    }
    return true;
  }

  // The answer when there is one; for a model without text its CLS row (a layer without
  // one falls back to the last row, recorded); else the last row.
  QuerySpec default_query() const {
    if (!a_.answer_ids.empty()) return parse_query("answer");
    return parse_query(model_.takes("input_ids") ? "last" : "cls");
  }

  // A head index must exist in every selected layer (the number of heads does not depend
  // on the sequence, so this is checked once, before the first tapped pass).
  void check_heads(const ModelInputs& probe) {
    if (heads_checked_ || o_.fusion.kind != HeadFusion::Kind::head) return;
    heads_checked_ = true;
    auto shapes = model_.probe_shapes(probe);
    for (int s : sites_)
      if (o_.fusion.head >= shapes[s].heads)
        fail_option("heads", " " + std::to_string(o_.fusion.head) + ": " + model_.sites()[s].name + " has " +
                                 std::to_string(shapes[s].heads) + " heads (0-" + std::to_string(shapes[s].heads - 1) +
                                 ")");
  }

  // When the outputs need only the query rows (the overlay and the JSON's maps), only
  // row 0 (a CLS token) and the last rows are captured: those an answer's query reads (one
  // more than the answer is long), so memory grows with rows x tokens, not tokens^2. A
  // matrix view of a long sequence gets the matrix pooled to what it can show.
  CaptureRequest request() const {
    CaptureRequest r{sites_, o_.fusion, o_.per_head};
    const bool end_rows = rows_only_ && o_.fusion.kind != HeadFusion::Kind::all && !o_.rollout &&
                          (!o_.query || o_.query->kind == QuerySpec::Kind::answer ||
                           o_.query->kind == QuerySpec::Kind::last || o_.query->kind == QuerySpec::Kind::cls);
    if (!end_rows) return r;
    r.last_rows = static_cast<int>(a_.answer_ids.size()) + 1;
    if (can_generate() && !o_.answer) r.last_rows = max_new_tokens() + 1;
    r.matrix = o_.full_matrix;
    r.max_matrix_side = o_.full_matrix ? o_.max_matrix_side : 0;
    if (!r.matrix || r.max_matrix_side > 0) return r;
    r.last_rows = 0;  // the whole matrix has the rows
    return r;
  }

  int max_new_tokens() const {
    const auto& meta = model_.metadata();
    return o_.max_new_tokens ? o_.max_new_tokens : (meta ? meta->max_new_tokens : 16);
  }

  ForwardResult capture() {
    if (o_.rollout) {
      a_.method = "rollout";
      return run_with_rollout(model_, in_, sites_, o_);
    }
    if (captured_) return std::move(generated_capture_);
    return model_.run(in_, request());
  }

  const Model& model_;
  const AnalysisOptions& o_;
  std::vector<int> sites_;
  std::shared_ptr<const TextTokenizer> tokenizer_;
  const int64_t placeholder_;  // the image placeholder id in input_ids, -1: none
  Analysis a_;
  ModelInputs in_;
  ForwardResult generated_capture_;
  bool captured_ = false;
  bool heads_checked_ = false;
  bool rows_only_ = true;  // capture only the query rows when the outputs allow
};

}  // namespace

std::vector<int> select_sites(const Model& model, const std::string& stack_spec, const LayerSelection& layers) {
  if (model.sites().empty())
    fail_model(model.path(), "no attention found in forward() (looked for a softmax feeding a matmul with the "
                             "values, and nn.MultiheadAttention)");
  const std::string spec = stack_spec.empty() ? model.default_stack() : stack_spec;
  std::vector<const Stack*> chosen;
  for (const auto& s : model.stacks())
    if (spec == "all" || stack_matches(spec, s.name)) chosen.push_back(&s);
  if (chosen.empty()) {
    std::string names;
    for (const auto& s : model.stacks()) names += (names.empty() ? "" : ", ") + s.name;
    fail_option("stack", " '" + spec + "': no such stack in " + model.path() + " (" + names + ", or all)");
  }
  std::vector<int> sites;
  for (const Stack* s : chosen)
    for (int l : layers.resolve(static_cast<int>(s->sites.size()), " in stack " + s->name)) sites.push_back(s->sites[l]);
  // Execution order, whatever order the selection named them in.
  std::sort(sites.begin(), sites.end());
  return sites;
}

Analysis analyze_image(const Model& model, const std::string& image_path, const AnalysisOptions& options) {
  return analyze_loaded_image(model, load_image(image_path, options.max_pixels), image_path, options);
}

Analysis analyze_loaded_image(const Model& model, const cv::Mat& image, const std::string& image_path,
                              const AnalysisOptions& options) {
  return Analyzer(model, options).run(image, image_path);
}

}  // namespace attnviz
