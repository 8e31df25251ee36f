#include "run_options.h"

#include <algorithm>
#include <set>

#include "attnviz/error.h"
#include "attnviz/formats.h"
#include "attnviz/layer_selection.h"
#include "attnviz/strings.h"
#include "attnviz/token_layout.h"

namespace attnviz::cli {
namespace {

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

// A comma list whose items come from `valid`.
CLI::Validator one_or_more_of(std::vector<std::string> valid) {
  return CLI::Validator(
      [valid](std::string& text) -> std::string {
        for (const auto& item : split(text, ','))
          if (std::find(valid.begin(), valid.end(), item) == valid.end())
            return "'" + text + "': unknown item '" + item + "' (" + joined(valid) + ")";
        return "";
      },
      "{" + joined(valid) + "},...");
}

CLI::Validator one_of(std::vector<std::string> valid) {
  return CLI::Validator(
      [valid](std::string& text) -> std::string {
        if (std::find(valid.begin(), valid.end(), text) != valid.end()) return "";
        return "'" + text + "': expected " + joined(valid);
      },
      "{" + joined(valid) + "}");
}

CLI::Validator job_count() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        if (text == "auto" || parse_integer(text, 1, 256)) return "";
        return "'" + text + "': expected 1 to 256, or auto";
      },
      "{1..256,auto}");
}

std::set<std::string> items(const std::string& list) {
  auto parts = split(list, ',');
  return {parts.begin(), parts.end()};
}

std::optional<size_t> parse_count(const std::string& text) {
  auto v = parse_integer(text, 0, 999'999'999);
  if (!v || text[0] == '+') return std::nullopt;
  return static_cast<size_t>(*v);
}

batch::Shard parse_shard(const std::string& text) {
  const auto slash = text.find('/');
  std::optional<size_t> index, count;
  if (slash != std::string::npos) {
    index = parse_count(text.substr(0, slash));
    count = parse_count(text.substr(slash + 1));
  }
  if (!index || !count || *count == 0 || *index == 0 || *index > *count)
    fail_option("shard", " '" + text + "': expected I/N with 1 <= I <= N, e.g. 1/4 for the first of four shards");
  return batch::Shard{*index, *count};
}

void add_analysis(const RunArgs& args, AnalysisOptions& a) {
  a.layers = LayerSelection::parse(args.layers);
  a.stack = args.stack;
  a.fusion = parse_head_fusion(args.heads);
  a.rollout = args.method == "rollout";
  if (!args.query.empty()) a.query = parse_query(args.query);
  if (!args.prompt.empty()) a.prompt = args.prompt;
  if (!args.answer.empty()) a.answer = args.answer;
  if (!args.input_ids.empty()) {
    std::vector<int64_t> ids;
    for (int v : parse_int_list(args.input_ids, "input-ids", 0)) ids.push_back(v);
    a.input_ids = ids;
  }
  a.generate = !args.no_generate;
  a.max_new_tokens = args.max_new_tokens;
  a.budget = args.budget;
  args.layout.apply(a);
  a.max_pixels = args.max_pixels;
}

void add_figures(const RunArgs& args, const std::set<std::string>& views, FigureOptions& f) {
  f.overlay = views.count("overlay") > 0;
  f.grid = views.count("grid") > 0;
  f.overlay_style.alpha = args.alpha;
  f.grid_style.shared_scale = args.scale == "shared";
  f.grid_style.log_scale = args.log_scale;
  f.label = args.label;
  f.per_token = args.per_token;
}

// What the outputs need of each layer: the whole matrix for the grid, the arrays, the
// page, rollout and queries of any rows; the grid alone can do with it pooled to what it
// shows (at most 1024 x 1024, for a cell a few hundred pixels wide).
void set_capture_needs(app::RunPlan& plan) {
  const auto has = [&](const char* f) { return std::find(plan.formats.begin(), plan.formats.end(), f) != plan.formats.end(); };
  const auto& q = plan.analysis.query;
  const bool any_rows = q && (q->kind == QuerySpec::Kind::text || q->kind == QuerySpec::Kind::range);
  const bool exact = has("npy") || has("html") || plan.analysis.rollout || any_rows;
  plan.analysis.full_matrix = plan.figures.grid || exact;
  plan.analysis.max_matrix_side = plan.figures.grid && !exact ? 1024 : 0;
}

}  // namespace

app::RunPlan make_run_plan(const RunArgs& args) {
  app::RunPlan plan;
  plan.inputs = args.positional;
  plan.shard = parse_shard(args.shard);
  plan.jobs = args.jobs == "auto" ? 0 : static_cast<int>(*parse_integer(args.jobs, 1, 256));
  if (args.max_pixels < 1) fail_usage("--max-pixels " + std::to_string(args.max_pixels) + ": must be at least 1");
  if (!args.snapshot.empty()) {
    if (args.out_given || args.format_given)
      fail_usage("--snapshot writes PNG and JSON into its own directory: drop --out and --format");
    if (plan.shard.count > 1) fail_usage("--snapshot replaces the whole directory: it takes no --shard");
    if (!args.resume.empty()) fail_usage("--snapshot replaces the whole directory: it takes no --resume");
  }
  // Snapshots are meant for committing: text and pictures, no binary .npy.
  const auto formats = items(args.snapshot.empty() ? args.format : "png,json");
  for (const auto& f : output_formats())
    if (formats.count(f)) plan.formats.push_back(f);
  if (!(args.alpha >= 0.0 && args.alpha <= 1.0)) fail_usage("--alpha " + std::to_string(args.alpha) + ": must be in [0, 1]");
  add_analysis(args, plan.analysis);
  plan.analysis.per_head = formats.count("npy") > 0;
  plan.preprocess = args.input.override();
  if (!args.budgets.empty()) plan.budgets = parse_int_list(args.budgets, "budgets");
  add_figures(args, items(args.view), plan.figures);
  set_capture_needs(plan);
  plan.colormap = args.colormap;
  plan.tokenizer_file = args.layout.tokenizer;
  plan.out_dir = args.out;
  plan.snapshot_dir = args.snapshot;
  plan.device = args.input.device;
  plan.threads = args.input.threads;
  plan.ndjson = args.ndjson;
  plan.timings = !args.no_timings;
  plan.resume = args.resume;
  plan.keep_going = args.keep_going;
  plan.progress = !args.no_progress;
  return plan;
}

void add_run_options(CLI::App& cmd, RunArgs& a) {
  cmd.add_option("inputs", a.positional, "MODEL.pt [MODEL2.pt ...] IMAGE [IMAGE ...] (- reads image paths from stdin)")
      ->required();
  cmd.add_option("--layers", a.layers, "Layers per stack: 1,5,14,23 | 0-3 | -1 | all")->capture_default_str();
  cmd.add_option("--stack", a.stack, "Stack to capture (name or prefix, or all; default: the one that runs last)");
  cmd.add_option("--heads", a.heads, "Head fusion: mean | max | min | all | N (one head)")->capture_default_str();
  cmd.add_option("--method", a.method,
                 "raw: each layer's attention; rollout: attention rollout up to the layer (Abnar & Zuidema 2020)")
      ->capture_default_str()
      ->check(one_of({"raw", "rollout"}));
  cmd.add_option("--query", a.query,
                 "Whose attention the overlay shows: last | cls | answer | text | N | A:B, rows A to B inclusive "
                 "(default: answer when the model generates, else last)");
  cmd.add_option("--view", a.view, "overlay, grid, or both (comma list)")
      ->capture_default_str()
      ->check(one_or_more_of({"grid", "overlay"}));
  cmd.add_option("--format", a.format, "png, json, npy (comma list)")
      ->capture_default_str()
      ->check(one_or_more_of(output_formats()))
      ->each([&a](const std::string&) { a.format_given = true; });
  cmd.add_option("--out", a.out, "Output directory")->capture_default_str()->each([&a](const std::string&) {
    a.out_given = true;
  });
  cmd.add_option("--colormap", a.colormap, "viridis | jet | magma | inferno | plasma | turbo | ...")->capture_default_str();
  cmd.add_option("--alpha", a.alpha, "Heat-map weight in the overlay blend, 0..1")->capture_default_str();
  cmd.add_option("--prompt", a.prompt, "Text prompt (needs a tokenizer in the model's metadata)");
  cmd.add_option("--answer", a.answer,
                 "Attribute this answer or caption instead of generating one (teacher forcing: one pass, "
                 "deterministic)");
  cmd.add_option("--input-ids", a.input_ids, "Token ids fed as input_ids, e.g. 1,5,7 (instead of --prompt)");
  cmd.add_option("--budget", a.budget, "Visual-token budget (default: the metadata's)");
  cmd.add_option("--budgets", a.budgets, "Several budgets, e.g. 8,16,32,64: one overlay strip titled with each answer");
  cmd.add_option("--label", a.label, "Title of the original-image panel (e.g. the ground truth)");
  cmd.add_option("--scale", a.scale, "Grid colour scale: panel | shared")
      ->capture_default_str()
      ->check(one_of({"panel", "shared"}));
  cmd.add_flag("--log", a.log_scale, "Logarithmic grid colour scale (4 decades)");
  cmd.add_option("--max-new-tokens", a.max_new_tokens, "Generation length limit (default: the metadata's)");
  cmd.add_flag("--no-generate", a.no_generate, "Capture the prompt only; do not generate an answer");
  cmd.add_flag("--per-token", a.per_token, "Overlay: one strip per generated answer token");
  cmd.add_option("--max-pixels", a.max_pixels, "Refuse images with more pixels than this")->capture_default_str();
  cmd.add_option("--jobs,-j", a.jobs,
                 "Images processed in parallel, or auto: one per core for a batch (outputs are the same for any "
                 "value)")
      ->capture_default_str()
      ->check(job_count());
  cmd.add_option("--shard", a.shard,
                 "Process only shard I of N (I/N, 1-based): the inputs at positions p with p % N == I-1")
      ->capture_default_str();
  cmd.add_flag("--ndjson", a.ndjson, "One JSON line per image on stdout (docs/batch.md); logs stay on stderr");
  cmd.add_flag("--keep-going,-k", a.keep_going, "Go on after an image fails (default: stop at the first)");
  cmd.add_flag("--no-timings", a.no_timings,
               "Records without \"seconds\": the same inputs give the same bytes (for comparing merged shards)");
  cmd.add_option("--resume", a.resume,
                 "FILE: the NDJSON of an earlier run of this command that stopped; the images it finished (ok, "
                 "files in --out) are not run again and their records are printed again");
  cmd.add_flag("--no-progress", a.no_progress, "No progress bar (it is only drawn when stderr is a terminal)");
  cmd.add_option("--snapshot", a.snapshot,
                 "Write PNG + JSON for committing into DIR, replacing its previous contents only if every image "
                 "succeeded (instead of --out/--format)");
  a.input.add_to(cmd);
  a.layout.add_to(cmd);
}

}  // namespace attnviz::cli
