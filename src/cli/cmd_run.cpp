// attnviz run MODEL... IMAGE... : capture attention and write overlay/grid/JSON/npy.
#include <sys/stat.h>

#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <thread>

#include <spdlog/spdlog.h>

#include "attnviz/error.h"
#include "attnviz/interrupt.h"
#include "attnviz/layer_spec.h"
#include "attnviz/outputs.h"
#include "attnviz/parallelism.h"
#include "attnviz/pipeline.h"
#include "batch_inputs.h"
#include "batch_records.h"
#include "batch_resume.h"
#include "batch_runner.h"
#include "commands.h"
#include "input_args.h"
#include "merge_files.h"
#include "progress.h"
#include "snapshot_dir.h"

namespace attnviz::cli {
namespace {

struct RunArgs {
  std::vector<std::string> positional;
  InputArgs input;
  std::string layers = "all";
  std::string stack;
  std::string heads = "mean";
  std::string method = "raw";
  std::string query;
  std::string view = "overlay";
  std::string format = "png,json";
  std::string out = "attnviz_out";
  std::string colormap = "viridis";
  double alpha = 0.5;
  std::string prompt;
  std::string input_ids;
  std::string image_tokens;
  int budget = 0;
  std::string budgets;
  std::string label;
  std::string scale = "panel";
  bool log_scale = false;
  int max_new_tokens = 0;
  bool no_generate = false;
  bool per_token = false;
  int64_t max_pixels = 100'000'000;
  // Batches (docs/batch.md).
  std::string jobs = "auto";
  std::string shard = "1/1";
  bool ndjson = false;
  bool keep_going = false;
  bool no_progress = false;
  bool no_timings = false;
  std::string resume;  // the NDJSON of a stopped run of the same command
  std::string snapshot;
  const CLI::Option* out_option = nullptr;     // to tell an explicit --out from the default
  const CLI::Option* format_option = nullptr;
};

std::set<std::string> parse_set(const std::string& text, const std::set<std::string>& valid, const char* what) {
  std::set<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(',', start);
    std::string item = text.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (!valid.count(item)) {
      std::string names;
      for (const auto& v : valid) names += (names.empty() ? "" : ", ") + v;
      fail_usage(std::string(what) + " '" + text + "': unknown item '" + item + "' (" + names + ")");
    }
    out.insert(item);
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

bool looks_like_model(const std::string& path) {
  auto ends = [&](const char* ext) {
    std::string e(ext);
    return path.size() >= e.size() && path.compare(path.size() - e.size(), e.size(), e) == 0;
  };
  if (ends(".pt") || ends(".pth") || ends(".ptl") || ends(".torchscript")) return true;
  // Only regular files are sniffed: opening a FIFO or device would block or consume it.
  struct stat st {};
  if (stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
  std::ifstream in(path, std::ios::binary);
  char magic[4] = {};
  return in.read(magic, 4) && magic[0] == 'P' && magic[1] == 'K' && magic[2] == 3 && magic[3] == 4;
}

// For several models: each keeps the requested layers it has; a layer no model has is
// an error.
std::vector<std::string> per_model_layer_specs(const std::vector<Model>& models, const RunArgs& args) {
  if (models.size() == 1) return {args.layers};
  std::vector<int> depth;
  int max_depth = 0;
  for (const auto& m : models) {
    std::string stack = args.stack.empty() ? m.default_stack() : args.stack;
    int d = 0;
    for (const auto& s : m.stacks())
      if (s.name == stack || stack == "all") d = std::max(d, static_cast<int>(s.sites.size()));
    depth.push_back(d);
    max_depth = std::max(max_depth, d);
  }
  auto wanted = parse_layer_spec(args.layers, max_depth);
  std::vector<std::string> specs;
  for (size_t i = 0; i < models.size(); ++i) {
    std::string spec;
    for (int l : wanted)
      if (l < depth[i]) spec += (spec.empty() ? "" : ",") + std::to_string(l);
    if (spec.empty()) spec = "none";
    specs.push_back(spec);
  }
  for (int l : wanted) {
    bool any = false;
    for (int d : depth) any = any || l < d;
    if (!any) fail_usage("--layers: layer " + std::to_string(l) + " exists in none of the models");
  }
  return specs;
}

int run_command(RunArgs& args) {
  std::vector<std::string> model_paths, images;
  for (const auto& p : args.positional) {
    if (images.empty() && p != "-" && looks_like_model(p)) model_paths.push_back(p);
    else images.push_back(p);
  }
  if (model_paths.empty()) fail_usage("run: the first argument must be a TorchScript model (.pt)");
  if (images.empty()) fail_usage("run: no image given (attnviz run MODEL.pt IMAGE...)");

  const auto views = parse_set(args.view, {"overlay", "grid"}, "--view");
  const Shard shard = parse_shard(args.shard);
  int jobs = 0;  // auto
  if (args.jobs != "auto" && (!parse_whole_int(args.jobs, jobs) || jobs < 1 || jobs > 256))
    fail_usage("--jobs '" + args.jobs + "': expected 1 to 256, or auto");
  if (args.max_pixels < 1) fail_usage("--max-pixels " + std::to_string(args.max_pixels) + ": must be at least 1");
  if (!args.snapshot.empty()) {
    if (args.out_option->count() || args.format_option->count())
      fail_usage("--snapshot writes PNG and JSON into its own directory: drop --out and --format");
    if (shard.count > 1) fail_usage("--snapshot replaces the whole directory: it takes no --shard");
    if (!args.resume.empty()) fail_usage("--snapshot replaces the whole directory: it takes no --resume");
  }
  std::optional<SnapshotUpdate> snapshot;  // checks the directory before the model loads
  if (!args.snapshot.empty()) snapshot.emplace(args.snapshot);
  // Snapshots are meant for committing: text and pictures, no binary .npy.
  const auto formats = parse_set(args.snapshot.empty() ? args.format : "png,json", {"png", "json", "npy"}, "--format");
  if (!(args.alpha >= 0.0 && args.alpha <= 1.0)) fail_usage("--alpha " + std::to_string(args.alpha) + ": must be in [0, 1]");
  if (args.scale != "panel" && args.scale != "shared") fail_usage("--scale '" + args.scale + "': expected panel or shared");

  AnalysisOptions base;
  base.stack = args.stack;
  base.fusion = parse_head_fusion(args.heads);
  if (args.method != "raw" && args.method != "rollout")
    fail_usage("--method '" + args.method + "': expected raw or rollout");
  base.rollout = args.method == "rollout";
  if (!args.query.empty()) base.query = parse_query(args.query);
  base.per_head = formats.count("npy") > 0;
  if (!args.prompt.empty()) base.prompt = args.prompt;
  if (!args.input_ids.empty()) {
    std::vector<int64_t> ids;
    for (int v : parse_int_list(args.input_ids, "--input-ids", 0)) ids.push_back(v);
    base.input_ids = ids;
  }
  base.generate = !args.no_generate;
  base.max_new_tokens = args.max_new_tokens;
  base.budget = args.budget;
  if (!args.image_tokens.empty()) base.image_tokens = parse_token_span(args.image_tokens);
  base.max_pixels = args.max_pixels;
  std::vector<int> budgets;
  if (!args.budgets.empty()) budgets = parse_int_list(args.budgets, "--budgets");

  OutputOptions out;
  out.dir = args.out;
  out.overlay = views.count("overlay") > 0;
  out.grid = views.count("grid") > 0;
  out.png = formats.count("png") > 0;
  out.json = formats.count("json") > 0;
  out.npy = formats.count("npy") > 0;
  out.overlay_style.colormap = parse_colormap(args.colormap);
  out.overlay_style.alpha = args.alpha;
  out.grid_style.colormap = out.overlay_style.colormap;
  out.grid_style.shared_scale = args.scale == "shared";
  out.grid_style.log_scale = args.log_scale;
  out.label = args.label;
  out.per_token = args.per_token;

  // The whole list is known before anything runs: names and shards depend on all of it.
  images = expand_stdin_inputs(images, std::cin);
  const auto stems = unique_stems(images);
  std::vector<BatchItem> items;
  for (size_t i = 0; i < images.size(); ++i)
    if (shard.contains(i)) items.push_back({i, images[i], stems[i]});
  if (images.empty()) spdlog::info("run: no image paths on stdin: nothing to do");
  std::vector<ItemRecord> done;  // --resume: finished by the earlier run
  if (!args.resume.empty()) {
    ResumePlan plan = plan_resume(items, read_record_file(args.resume), args.out, is_regular_file);
    spdlog::info("run: --resume {}: {} of {} images done already, {} to run", args.resume, plan.done.size(),
                 items.size(), plan.to_run.size());
    items = std::move(plan.to_run);
    done = std::move(plan.done);
  }
  const Parallelism cores = choose_parallelism(static_cast<int>(std::thread::hardware_concurrency()),
                                               static_cast<long long>(items.size()), jobs, args.input.threads);
  spdlog::info("run: {} images, {} jobs x {} intra-op threads", items.size(), cores.jobs, cores.threads);

  std::vector<Model> models;
  for (const auto& p : model_paths) {
    ModelOptions options = args.input.model_options();
    options.threads = cores.threads;
    models.push_back(Model::load(p, options));
    for (const auto& note : models.back().notes()) spdlog::warn("{}: {}", p, note);
    spdlog::info("{}: {} attention sites in {} stacks", p, models.back().sites().size(), models.back().stacks().size());
  }
  if (!budgets.empty() && models.size() > 1) fail_usage("--budgets takes one model");
  const auto layer_specs = per_model_layer_specs(models, args);
  // Bad --layers / --stack fail here, once, not once per image.
  for (size_t m = 0; m < models.size(); ++m) select_sites(models[m], args.stack, layer_specs[m]);

  out.dir = snapshot ? snapshot->staging_dir() : args.out;
  ensure_directory(out.dir);

  // One image: analysed by every model (or at every budget), its files written into
  // `staging_dir`. Runs on several threads at once: it only reads what is shared.
  const ItemWork work = [&](const BatchItem& item, const std::string& staging_dir) {
    OutputOptions o = out;
    o.dir = staging_dir;
    o.stem = item.stem;
    std::vector<Analysis> runs;
    ItemOutput result;
    if (!budgets.empty()) {
      for (int b : budgets) {
        AnalysisOptions a = base;
        a.layers = layer_specs[0];
        a.budget = b;
        a.preprocess = args.input.preprocess(models[0].metadata());
        runs.push_back(analyze_image(models[0], item.input, a));
      }
      result.files = write_budget_outputs(runs, o);
    } else {
      for (size_t m = 0; m < models.size(); ++m) {
        AnalysisOptions a = base;
        a.layers = layer_specs[m];
        a.preprocess = args.input.preprocess(models[m].metadata());
        runs.push_back(analyze_image(models[m], item.input, a));
      }
      result.files = models.size() == 1 ? write_outputs(runs[0], o) : write_model_outputs(runs, o);
    }
    for (const auto& r : runs) result.runs.push_back({r.model_name, r.budget, r.answer});
    return result;
  };

  BatchOptions batch;
  batch.out_dir = out.dir;
  batch.reported_dir = args.snapshot.empty() ? args.out : args.snapshot;
  batch.jobs = cores.jobs;
  batch.keep_going = args.keep_going;
  batch.progress = !args.no_progress && stderr_is_terminal() && spdlog::should_log(spdlog::level::warn);
  ResumedRecords records(std::move(done), RecordPrinter(args.ndjson, !args.no_timings));
  const BatchResult result = run_batch(items, work, batch, [&](const ItemRecord& r) { records(r); });
  records.finish();

  const std::string not_updated = snapshot ? "; " + args.snapshot + " not updated" : "";
  if (result.interrupted)
    fail(ExitCode::interrupted, "interrupted by signal " + std::to_string(interrupt_signal()) + ": " +
                                    std::to_string(result.ok) + " of " + std::to_string(items.size()) +
                                    " images done, the rest left no files" + not_updated);
  if (items.size() > 1 && result.ok < items.size())
    spdlog::warn("{} of {} images failed{}{}", result.failed, items.size(),
                 result.skipped ? ", " + std::to_string(result.skipped) + " not run" +
                                      (args.keep_going ? "" : " (--keep-going goes on after a failure)")
                                : std::string(),
                 not_updated);
  if (snapshot && result.exit_code == 0) {
    snapshot->commit();
    spdlog::info("{}: snapshots updated ({} images)", args.snapshot, items.size());
  } else if (snapshot && items.size() == 1) {
    spdlog::warn("{}: not updated", args.snapshot);
  }
  return result.exit_code;
}

}  // namespace

Action add_run(CLI::App& app) {
  auto args = std::make_shared<RunArgs>();
  auto* cmd = app.add_subcommand("run", "Capture attention and write overlay / grid PNGs, JSON and .npy");
  cmd->add_option("inputs", args->positional, "MODEL.pt [MODEL2.pt ...] IMAGE [IMAGE ...] (- reads image paths from stdin)")->required();
  cmd->add_option("--layers", args->layers, "Layers per stack: 1,5,14,23 | 0-3 | -1 | all")->capture_default_str();
  cmd->add_option("--stack", args->stack, "Stack to capture (name or prefix, or all; default: the one that runs last)");
  cmd->add_option("--heads", args->heads, "Head fusion: mean | max | min | all | N (one head)")->capture_default_str();
  cmd->add_option("--method", args->method,
                  "raw: each layer's attention; rollout: attention rollout up to the layer (Abnar & Zuidema 2020)")
      ->capture_default_str();
  cmd->add_option("--query", args->query,
                  "Whose attention the overlay shows: last | cls | answer | text | N | A:B (default: answer when the "
                  "model generates, else last)");
  cmd->add_option("--view", args->view, "overlay, grid, or both (comma list)")->capture_default_str();
  cmd->add_option("--format", args->format, "png, json, npy (comma list)")->capture_default_str();
  cmd->add_option("--out", args->out, "Output directory")->capture_default_str();
  cmd->add_option("--colormap", args->colormap, "viridis | jet | magma | inferno | plasma | turbo | ...")->capture_default_str();
  cmd->add_option("--alpha", args->alpha, "Heat-map weight in the overlay blend, 0..1")->capture_default_str();
  cmd->add_option("--prompt", args->prompt, "Text prompt (needs a tokenizer in the model's metadata)");
  cmd->add_option("--input-ids", args->input_ids, "Token ids fed as input_ids, e.g. 1,5,7 (instead of --prompt)");
  cmd->add_option("--image-tokens", args->image_tokens, "Image-token layout OFFSET:HxW (default: metadata or inferred)");
  cmd->add_option("--budget", args->budget, "Visual-token budget (default: the metadata's)");
  cmd->add_option("--budgets", args->budgets, "Several budgets, e.g. 8,16,32,64: one overlay strip titled with each answer");
  cmd->add_option("--label", args->label, "Title of the original-image panel (e.g. the ground truth)");
  cmd->add_option("--scale", args->scale, "Grid colour scale: panel | shared")->capture_default_str();
  cmd->add_flag("--log", args->log_scale, "Logarithmic grid colour scale (4 decades)");
  cmd->add_option("--max-new-tokens", args->max_new_tokens, "Generation length limit (default: the metadata's)");
  cmd->add_flag("--no-generate", args->no_generate, "Capture the prompt only; do not generate an answer");
  cmd->add_flag("--per-token", args->per_token, "Overlay: one strip per generated answer token");
  cmd->add_option("--max-pixels", args->max_pixels, "Refuse images with more pixels than this")->capture_default_str();
  cmd->add_option("--jobs,-j", args->jobs,
                  "Images processed in parallel, or auto: one per core for a batch (outputs are the same for any "
                  "value)")
      ->capture_default_str();
  cmd->add_option("--shard", args->shard,
                  "Process only shard I of N (I/N, 1-based): the inputs at positions p with p % N == I-1")
      ->capture_default_str();
  cmd->add_flag("--ndjson", args->ndjson, "One JSON line per image on stdout (docs/batch.md); logs stay on stderr");
  cmd->add_flag("--keep-going,-k", args->keep_going, "Go on after an image fails (default: stop at the first)");
  cmd->add_flag("--no-timings", args->no_timings,
                "Records without \"seconds\": the same inputs give the same bytes (for comparing merged shards)");
  cmd->add_option("--resume", args->resume,
                  "FILE: the NDJSON of an earlier run of this command that stopped; the images it finished (ok, "
                  "files in --out) are not run again and their records are printed again");
  cmd->add_flag("--no-progress", args->no_progress, "No progress bar (it is only drawn when stderr is a terminal)");
  cmd->add_option("--snapshot", args->snapshot,
                  "Write PNG + JSON for committing into DIR, replacing its previous contents only if every image "
                  "succeeded (instead of --out/--format)");
  args->out_option = cmd->get_option("--out");
  args->format_option = cmd->get_option("--format");
  args->input.add_to(*cmd);
  return [args] { return run_command(*args); };
}

}  // namespace attnviz::cli
