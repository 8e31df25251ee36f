// `attnviz run`: the plan carried out. Models load once; every image goes through every
// model (or every budget), its figures are built and written by the sinks into a staging
// directory, and the batch runner commits them and reports each item.
#include <filesystem>
#include <iostream>
#include <memory>
#include <mutex>
#include <set>
#include <optional>
#include <thread>

#include <spdlog/spdlog.h>

#include "attnviz/atomic_file.h"
#include "attnviz/image.h"
#include "attnviz/interrupt.h"
#include "attnviz/parallelism.h"
#include "attnviz/render/colormap.h"
#include "attnviz/runtime.h"
#include "attnviz/sinks.h"
#include "../batch/batch_records.h"
#include "../batch/batch_resume.h"
#include "../batch/batch_runner.h"
#include "../batch/progress.h"
#include "../batch/snapshot_dir.h"
#include "../batch/stored_records.h"
#include "run_plan.h"

namespace attnviz::app {
namespace {

using namespace batch;

struct Inputs {
  std::vector<std::string> models, images;
};

// Models come first; the first argument that is not a model starts the images.
Inputs split_inputs(const std::vector<std::string>& args) {
  Inputs in;
  for (const auto& p : args) {
    if (in.images.empty() && p != "-" && is_model_file(p)) in.models.push_back(p);
    else in.images.push_back(p);
  }
  if (in.models.empty()) fail_usage("run: the first argument must be a TorchScript model (.pt)");
  if (in.images.empty()) fail_usage("run: no image given (attnviz run MODEL.pt IMAGE...)");
  return in;
}

std::vector<Model> load_models(const std::vector<std::string>& paths, const RunPlan& plan) {
  std::vector<Model> models;
  for (const auto& p : paths) {
    models.push_back(Model::load(p, {plan.device}));
    for (const auto& note : models.back().notes()) spdlog::warn("{}: {}", p, note);
    spdlog::info("{}: {} attention sites in {} stacks", p, models.back().sites().size(), models.back().stacks().size());
  }
  return models;
}

// For several models: each keeps the requested layers it has; a layer no model has is
// an error.
std::vector<LayerSelection> per_model_layers(const std::vector<Model>& models, const RunPlan& plan) {
  const LayerSelection& asked = plan.analysis.layers;
  if (models.size() == 1) return {asked};
  std::vector<int> depth;
  int max_depth = 0;
  for (const auto& m : models) {
    const std::string stack = plan.analysis.stack.empty() ? m.default_stack() : plan.analysis.stack;
    int d = 0;
    for (const auto& s : m.stacks())
      if (s.name == stack || stack == "all") d = std::max(d, static_cast<int>(s.sites.size()));
    depth.push_back(d);
    max_depth = std::max(max_depth, d);
  }
  const auto wanted = asked.resolve(max_depth);
  std::vector<LayerSelection> out;
  for (size_t i = 0; i < models.size(); ++i) {
    std::vector<int> layers;
    for (int l : wanted)
      if (l < depth[i]) layers.push_back(l);
    out.push_back(LayerSelection::indices(layers));
  }
  for (int l : wanted)
    if (std::none_of(depth.begin(), depth.end(), [&](int d) { return l < d; }))
      fail_option("layers", ": layer " + std::to_string(l) + " exists in none of the models");
  return out;
}

// What each model is analysed with: the run's options, its share of the layers, its
// preprocessing and its tokenizer (loaded once: a large tokenizer.json takes a moment).
std::vector<AnalysisOptions> per_model_options(const std::vector<Model>& models, const RunPlan& plan) {
  std::vector<AnalysisOptions> out;
  for (const auto& m : models) {
    AnalysisOptions a = plan.analysis;
    if (!plan.preprocess.empty())
      a.preprocess = plan.preprocess.applied_to(m.metadata() ? m.metadata()->preprocess : Preprocess{});
    a.tokenizer = model_tokenizer(m, plan.tokenizer_file);
    out.push_back(std::move(a));
  }
  return out;
}

// Models whose graphs name no modules are run once on a blank image (of the first
// image's size when the preprocessing has none) to keep the attention sites that run.
void settle(const std::vector<Model>& models, const std::vector<AnalysisOptions>& options,
            const std::vector<BatchItem>& items) {
  for (size_t m = 0; m < models.size(); ++m) {
    if (models[m].settled() || items.empty()) continue;
    ImageHeader header;
    try {
      header = read_image_header(read_file(items.front().input), items.front().input);
    } catch (const Error&) {
      continue;  // the first image is bad: it fails as an item, and the model settles on the next
    }
    models[m].settle(probe_inputs(models[m], options[m], static_cast<int>(header.height), static_cast<int>(header.width)));
  }
}

// What a run chose without being told, logged once for the whole batch (each result
// file records its own).
class FallbackLog {
 public:
  void operator()(const std::vector<std::string>& fallbacks) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& f : fallbacks)
      if (logged_.insert(f).second) spdlog::warn("{}", f);
  }

 private:
  std::mutex mutex_;
  std::set<std::string> logged_;
};

// One image through every model (or at every budget), its files written into
// `staging_dir`. Runs on several threads at once: it only reads what is shared.
class ItemAnalysis {
 public:
  ItemAnalysis(const RunPlan& plan, const std::vector<Model>& models, std::vector<AnalysisOptions> options)
      : plan_(plan), models_(models), options_(std::move(options)) {}

  ItemOutput operator()(const BatchItem& item, const std::string& staging_dir) const {
    std::vector<Analysis> runs;
    if (!plan_.budgets.empty()) {
      for (int b : plan_.budgets) runs.push_back(analyze(0, item.input, b));
    } else {
      for (size_t m = 0; m < models_.size(); ++m) runs.push_back(analyze(m, item.input, 0));
    }
    FigureOptions fo = plan_.figures;
    fo.stem = item.stem;
    const FigureSet set = !plan_.budgets.empty() ? budget_figures(runs, fo)
                          : models_.size() == 1  ? single_figures(runs[0], fo)
                                                 : model_figures(runs, fo);
    ItemOutput result;
    result.files = write_figures(set, plan_.formats, staging_dir);
    for (const auto& r : runs) {
      result.runs.push_back({r.model_name, r.budget, r.answer});
      (*fallbacks_)(r.fallbacks);
    }
    return result;
  }

 private:
  Analysis analyze(size_t m, const std::string& image, int budget) const {
    if (!budget) return analyze_image(models_[m], image, options_[m]);
    AnalysisOptions a = options_[m];
    a.budget = budget;
    return analyze_image(models_[m], image, a);
  }

  const RunPlan& plan_;
  const std::vector<Model>& models_;
  const std::vector<AnalysisOptions> options_;
  std::shared_ptr<FallbackLog> fallbacks_ = std::make_shared<FallbackLog>();  // shared by the copies
};

// The end of the run: interruption, failures, and the snapshot update.
int finish(const RunPlan& plan, const BatchResult& result, size_t items, std::optional<SnapshotUpdate>& snapshot) {
  const std::string not_updated = snapshot ? "; " + plan.snapshot_dir + " not updated" : "";
  if (result.interrupted)
    fail(ExitCode::interrupted, "interrupted by signal " + std::to_string(interrupt_signal()) + ": " +
                                    std::to_string(result.ok) + " of " + std::to_string(items) +
                                    " images done, the rest left no files" + not_updated);
  if (items > 1 && result.ok < items)
    spdlog::warn("{} of {} images failed{}{}", result.failed, items,
                 result.skipped ? ", " + std::to_string(result.skipped) + " not run" +
                                      (plan.keep_going ? "" : " (" + plan.spelling("keep-going") +
                                                                  " goes on after a failure)")
                                : std::string(),
                 not_updated);
  if (snapshot && result.exit_code == 0) {
    snapshot->commit();
    spdlog::info("{}: snapshots updated ({} images)", plan.snapshot_dir, items);
  } else if (snapshot && items == 1) {
    spdlog::warn("{}: not updated", plan.snapshot_dir);
  }
  return result.exit_code;
}

// This process's share of the inputs, named. The whole list is known before anything runs:
// names and shards depend on all of it. With --resume, the items a stopped run finished
// are left out and come back as `done`.
std::vector<BatchItem> items_to_run(const RunPlan& plan, const std::vector<std::string>& args,
                                    std::vector<ItemRecord>& done) {
  const auto images = expand_stdin_inputs(args, std::cin);
  const auto stems = unique_stems(images);
  std::vector<BatchItem> items;
  for (size_t i = 0; i < images.size(); ++i)
    if (plan.shard.contains(i)) items.push_back({i, images[i], stems[i]});
  if (images.empty()) spdlog::info("run: no image paths on stdin: nothing to do");
  if (plan.resume.empty()) return items;
  const auto is_file = [](const std::string& path) { return std::filesystem::is_regular_file(path); };
  ResumePlan resumed = plan_resume(items, read_record_file(plan.resume), plan.out_dir, is_file);
  spdlog::info("run: --resume {}: {} of {} images done already, {} to run", plan.resume, resumed.done.size(),
               items.size(), resumed.to_run.size());
  done = std::move(resumed.done);
  return std::move(resumed.to_run);
}

BatchOptions batch_options(const RunPlan& plan, const std::optional<SnapshotUpdate>& snapshot, int jobs) {
  BatchOptions batch;
  batch.out_dir = snapshot ? snapshot->staging_dir() : plan.out_dir;
  batch.reported_dir = plan.snapshot_dir.empty() ? plan.out_dir : plan.snapshot_dir;
  batch.jobs = jobs;
  batch.keep_going = plan.keep_going;
  batch.progress = plan.progress && stderr_is_terminal() && spdlog::should_log(spdlog::level::warn);
  batch.spelling = plan.spelling;
  return batch;
}

}  // namespace

int execute_run(const RunPlan& given) {
  const Inputs inputs = split_inputs(given.inputs);
  RunPlan plan = given;
  plan.figures.overlay_style.colormap = plan.figures.grid_style.colormap = parse_colormap(plan.colormap);
  for (const auto& f : plan.formats) make_sink(f);
  std::optional<SnapshotUpdate> snapshot;  // checks the directory before the model loads
  if (!plan.snapshot_dir.empty()) snapshot.emplace(plan.snapshot_dir);
  std::vector<ItemRecord> done;
  const std::vector<BatchItem> items = items_to_run(plan, inputs.images, done);
  const Parallelism cores = choose_parallelism(static_cast<int>(std::thread::hardware_concurrency()),
                                               static_cast<long long>(items.size()), plan.jobs, plan.threads);
  spdlog::info("run: {} images, {} jobs x {} intra-op threads", items.size(), cores.jobs, cores.threads);
  set_compute_threads(cores.threads);

  const std::vector<Model> models = load_models(inputs.models, plan);
  if (!plan.budgets.empty() && models.size() > 1) fail_option("budgets", " takes one model");
  auto options = per_model_options(models, plan);
  settle(models, options, items);
  const auto layers = per_model_layers(models, plan);
  // A bad stack or layer selection fails here, once, not once per image.
  for (size_t m = 0; m < models.size(); ++m) {
    options[m].layers = layers[m];
    if (models[m].settled()) select_sites(models[m], plan.analysis.stack, layers[m]);
  }

  const BatchOptions batch = batch_options(plan, snapshot, cores.jobs);
  ensure_directory(batch.out_dir);
  const ItemAnalysis work(plan, models, std::move(options));
  ResumedRecords records(std::move(done), RecordPrinter(plan.ndjson, plan.timings));
  const BatchResult result = run_batch(items, work, batch, [&](const ItemRecord& r) { records(r); });
  records.finish();
  return finish(plan, result, items.size(), snapshot);
}

}  // namespace attnviz::app
