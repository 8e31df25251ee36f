#include "attnviz/report.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace attnviz {
namespace {

using nlohmann::json;

json rows_of(const std::vector<float>& values, int rows, int cols) {
  json out = json::array();
  for (int r = 0; r < rows; ++r) {
    json row = json::array();
    for (int c = 0; c < cols; ++c) row.push_back(round_sig(values[static_cast<size_t>(r) * cols + c]));
    out.push_back(std::move(row));
  }
  return out;
}

json layer_json(const LayerView& v, int position, const ReportOptions& o) {
  const auto& a = v.attention;
  json j;
  j["stack"] = a.stack;
  j["index"] = a.index;
  j["name"] = a.name;
  j["heads"] = a.heads;
  j["shape"] = {a.heads, a.tq, a.tk};
  j["fusion"] = a.fusion.str();
  j["causal"] = v.causal;
  if (v.image_tokens) {
    j["image_tokens"] = {{"offset", v.image_tokens->offset},
                         {"count", v.image_tokens->count},
                         {"grid", {v.image_tokens->grid_h, v.image_tokens->grid_w}}};
  } else {
    j["image_tokens"] = nullptr;
  }
  j["layout"] = v.layout.empty() ? json() : json(v.layout);
  j["windows"] = a.windowed() ? json{{"count", a.windows}, {"tokens", a.tq}} : json();
  j["query_rows"] = v.query_rows;
  if (v.map) {
    j["map"] = {{"grid", {v.map->grid_h, v.map->grid_w}},
                {"values", rows_of(v.map->values, v.map->grid_h, v.map->grid_w)},
                {"image_mass", round_sig(v.map->image_mass)},
                {"peak", {v.map->peak_row, v.map->peak_col}}};
  } else {
    j["map"] = nullptr;
  }
  j["pool"] = a.pool > 1 ? json{{"factor", a.pool}, {"method", "mean"}} : json();
  if (o.include_matrix && !a.windowed() && a.pool == 1 && !a.fused.empty() &&
      static_cast<long>(a.tq) * a.tk <= kMaxJsonMatrix)
    j["matrix"] = rows_of(a.matrix(), a.tq, a.tk);
  auto npy = o.npy_files.find(position);
  if (npy != o.npy_files.end()) j["npy"] = npy->second;
  return j;
}

// The preprocessing as applied, with the metadata's keys (docs/metadata.md).
json preprocess_json(const Preprocess& p) {
  const auto rounded = [](const std::array<double, 3>& v) {
    return json{round_sig(v[0]), round_sig(v[1]), round_sig(v[2])};
  };
  return {{"size", p.size ? json(*p.size) : json(nullptr)},
          {"resize", resize_mode_name(p.resize)},
          {"interpolation", interpolation_name(p.interpolation)},
          {"antialias", p.antialias},
          {"scale", round_sig(p.scale)},
          {"mean", rounded(p.mean)},
          {"std", rounded(p.std)},
          {"channel_order", p.bgr ? "BGR" : "RGB"}};
}

// Analyses assembled without a resize plan (by hand) saw the whole image.
ResizePlan plan_of(const Analysis& a) {
  if (a.resize.source_w > 0 || !a.image) return a.resize;
  return plan_resize(a.image->height, a.image->width, std::nullopt, ResizeMode::squash);
}

}  // namespace

double round_sig(double v) {
  if (!std::isfinite(v) || v == 0.0) return std::isfinite(v) ? 0.0 : v;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.7g", v);
  return std::strtod(buf, nullptr);
}

json analysis_json(const Analysis& a, const ReportOptions& o) {
  json j;
  j["format"] = "attnviz-result";
  j["version"] = kResultVersion;
  j["model"] = {{"path", a.model_path}, {"name", a.model_name}};
  const ResizePlan plan = plan_of(a);
  j["image"] = {{"path", a.image_path}, {"width", plan.source_w}, {"height", plan.source_h}};
  json input = {{"height", a.input_h}, {"width", a.input_w}};
  input["preprocess"] = preprocess_json(a.preprocess);
  const PixelRect seen = plan.source_region();
  input["region"] = {{"x", seen.x}, {"y", seen.y}, {"width", seen.width}, {"height", seen.height}};
  if (a.budget) {
    input["budget"] = a.budget;
    input["grid"] = a.budget_grid;
  }
  input["prompt"] = a.prompt;
  input["prompt_ids"] = a.prompt_ids;
  input["tokens"] = a.tokens;
  j["input"] = input;
  j["answer"] = a.answer;
  j["answer_ids"] = a.answer_ids;
  j["query"] = a.query.str();
  j["method"] = a.method;
  if (!o.layout.is_null()) j["layout"] = o.layout;
  j["files"] = o.files;
  json layers = json::array();
  for (size_t i = 0; i < a.layers.size(); ++i) layers.push_back(layer_json(a.layers[i], static_cast<int>(i), o));
  j["layers"] = layers;
  j["fallbacks"] = a.fallbacks;
  return j;
}

json combined_json(const std::vector<const Analysis*>& analyses, const std::vector<ReportOptions>& options,
                   const std::string& figure, const json& layout) {
  json j;
  j["format"] = "attnviz-result";
  j["version"] = kResultVersion;
  j["figure"] = figure;
  if (!layout.is_null()) j["layout"] = layout;
  json runs = json::array();
  for (size_t i = 0; i < analyses.size(); ++i) {
    json run = analysis_json(*analyses[i], options[i]);
    run.erase("format");
    run.erase("version");
    runs.push_back(std::move(run));
  }
  j["runs"] = runs;
  // The first run's layers at top level too, so every result file has `layers`.
  if (!runs.empty()) j["layers"] = runs[0]["layers"];
  return j;
}

std::string dump_json(const json& doc) { return doc.dump(1) + "\n"; }

}  // namespace attnviz
