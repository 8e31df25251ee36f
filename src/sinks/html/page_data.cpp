#include "page_data.h"

#include <algorithm>
#include <set>

#include "page_blob.h"
#include "page_image.h"
#include "pooling.h"

namespace attnviz::html {
namespace {

using nlohmann::json;

// Each head's matrix pooled by `factor`, back to back.
std::vector<float> pooled_slices(const std::vector<float>& data, int slices, int rows, int cols, int factor) {
  std::vector<float> out;
  for (int s = 0; s < slices; ++s) {
    auto p = mean_pool(data.data() + static_cast<size_t>(s) * rows * cols, rows, cols, factor);
    out.insert(out.end(), p.begin(), p.end());
  }
  return out;
}

// Rows that are not image tokens (the text, a CLS token) and the default query rows:
// the rows whose maps over the image the page draws, kept at full token resolution.
std::vector<int> map_rows(const HtmlLayer& l) {
  std::set<int> rows(l.query_rows.begin(), l.query_rows.end());
  const int shift = l.tk - l.tq;
  for (int r = 0; r < l.tq; ++r) {
    const int key = r + shift;
    if (key < l.spans.image_offset || key >= l.spans.image_offset + l.spans.image_count) rows.insert(r);
  }
  return {rows.begin(), rows.end()};
}

// For each head (slice) and each row: the row's attention on the image tokens, on the
// patch grid pooled by `factor`.
std::vector<float> image_block(const std::vector<float>& data, int slices, const HtmlLayer& l,
                               const std::vector<int>& rows, int factor) {
  const auto& s = l.spans;
  std::vector<float> out;
  for (int h = 0; h < slices; ++h)
    for (int r : rows) {
      const float* keys = data.data() + (static_cast<size_t>(h) * l.tq + r) * l.tk + s.image_offset;
      auto p = mean_pool(keys, s.grid_h, s.grid_w, factor);
      out.insert(out.end(), p.begin(), p.end());
    }
  return out;
}

// What the page would store for a layer's heads: its pooled matrices and image rows.
size_t head_values(const HtmlLayer& l, const HtmlLimits& limits) {
  if (l.per_head.empty()) return 0;
  const int f = side_factor(l.tq, l.tk, limits.max_matrix_side);
  size_t cells = static_cast<size_t>(pooled_size(l.tq, f)) * pooled_size(l.tk, f);
  if (l.spans.image_count > 0) {
    const int g = cell_factor(l.spans.grid_h, l.spans.grid_w, limits.max_image_cells);
    cells += map_rows(l).size() * pooled_size(l.spans.grid_h, g) * pooled_size(l.spans.grid_w, g);
  }
  return cells * l.heads;
}

json layer_json(const HtmlLayer& l, const HtmlLimits& limits, bool heads, PageBlob& blob) {
  const auto& s = l.spans;
  json j = {{"name", l.name},   {"stack", l.stack},   {"index", l.index},   {"heads", l.heads},
            {"tq", l.tq},       {"tk", l.tk},         {"fusion", l.fusion}, {"causal", l.causal},
            {"query_rows", l.query_rows}};
  j["spans"] = {{"image", s.image_count > 0 ? json{{"offset", s.image_offset}, {"count", s.image_count},
                                                   {"grid", {s.grid_h, s.grid_w}}}
                                            : json()},
                {"text", s.text},
                {"prompt_count", s.prompt_count}};

  const int f = side_factor(l.tq, l.tk, limits.max_matrix_side);
  const int pq = pooled_size(l.tq, f), pk = pooled_size(l.tk, f);
  const json pool = {{"method", "mean"}, {"factor", f}};
  const LogCode code = f > 1 ? kDrawnCode : kPreciseCode;
  j["matrix"] = blob.add_log(pooled_slices(l.matrix, 1, l.tq, l.tk, f), {1, pq, pk}, 2, code);
  j["matrix"]["pool"] = pool;
  if (heads && !l.per_head.empty()) {
    j["matrix_heads"] = blob.add_log(pooled_slices(l.per_head, l.heads, l.tq, l.tk, f), {l.heads, pq, pk}, 2, code);
    j["matrix_heads"]["pool"] = pool;
  }

  if (s.image_count > 0) {
    const auto rows = map_rows(l);
    const int g = cell_factor(s.grid_h, s.grid_w, limits.max_image_cells);
    const int gh = pooled_size(s.grid_h, g), gw = pooled_size(s.grid_w, g);
    const int n = static_cast<int>(rows.size());
    const json grid_pool = {{"method", "mean"}, {"factor", g}, {"grid", {gh, gw}}};
    j["image_rows"] = {{"rows", rows}};
    j["image_rows"]["values"] = blob.add_log(image_block(l.matrix, 1, l, rows, g), {1, n, gh * gw}, 1, kPreciseCode);
    j["image_rows"]["values"]["pool"] = grid_pool;
    if (heads && !l.per_head.empty()) {
      j["image_rows"]["heads"] = blob.add_log(image_block(l.per_head, l.heads, l, rows, g), {l.heads, n, gh * gw}, 1,
                                             kPreciseCode);
      j["image_rows"]["heads"]["pool"] = grid_pool;
    }
  }
  return j;
}

}  // namespace

PageData page_data(const HtmlReport& report) {
  PageBlob blob;
  json doc;
  doc["format"] = "attnviz-html";
  doc["version"] = 1;
  doc["title"] = report.title;
  doc["prompt"] = report.prompt;
  doc["figure"] = report.figure;
  doc["settings"] = {{"colormap", report.colormap}, {"alpha", report.alpha}, {"log_scale", report.log_scale}};
  doc["encoding"] = {{"values", "log codes: 0 is 0, c > 0 is max * 10^(((c - 1) / (2^bits - 2) - 1) * decades)"},
                     {"planes", "16-bit codes: high bytes, then low bytes"},
                     {"blob", "zlib deflate, base64"}};

  const PageImage image = page_image(report.image, report.limits.max_image_side);
  doc["image"] = blob.add_bytes(image.rgb_sub);
  doc["image"]["width"] = image.width;
  doc["image"]["height"] = image.height;
  doc["image"]["source_width"] = report.image.width;
  doc["image"]["source_height"] = report.image.height;
  doc["image"]["pool"] = {{"method", "mean"}, {"factor", image.factor}};
  doc["image"]["pixels"] = "rgb, sub filter";

  // Every head of every layer can be far larger than the rest (16 heads of a 576-token
  // model: 29 MB): above the limit the page offers the captured fusion only, and says why.
  size_t all_heads = 0;
  for (const auto& run : report.runs)
    for (const auto& l : run.layers) all_heads += head_values(l, report.limits);
  const bool heads = all_heads <= report.limits.max_head_values;
  if (!heads)
    doc["heads_omitted"] = "the heads would need " + std::to_string(all_heads) + " values, over the limit of " +
                           std::to_string(report.limits.max_head_values);

  json runs = json::array();
  for (const auto& run : report.runs) {
    json r = {{"title", run.title}, {"model", run.model}, {"budget", run.budget}, {"query", run.query},
              {"tokens", run.tokens}};
    json layers = json::array();
    for (const auto& l : run.layers) layers.push_back(layer_json(l, report.limits, heads, blob));
    r["layers"] = std::move(layers);
    runs.push_back(std::move(r));
  }
  doc["runs"] = std::move(runs);
  doc["blob_bytes"] = blob.size();
  return {std::move(doc), blob.deflated_base64()};
}

}  // namespace attnviz::html
