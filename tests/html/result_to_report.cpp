#include "result_to_report.h"

#include <nlohmann/json.hpp>

#include "attnviz/atomic_file.h"
#include "attnviz/error.h"
#include "attnviz/html_from_analysis.h"
#include "attnviz/image.h"
#include "attnviz/npy.h"

namespace attnviz::test {
namespace {

using nlohmann::json;

std::string directory_of(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? "" : path.substr(0, slash + 1);
}

// The text spans, as the pipeline lays them out: the text follows the image tokens when
// the keys are exactly image + text.
HtmlSpans spans_of(const json& layer, int tk, int prompt_len, int text_len) {
  HtmlSpans s;
  const json& image = layer.at("image_tokens");
  if (!image.is_null()) {
    s.image_offset = image.at("offset");
    s.image_count = image.at("count");
    s.grid_h = image.at("grid").at(0);
    s.grid_w = image.at("grid").at(1);
  }
  const int image_end = s.image_offset + s.image_count;
  if (text_len > 0 && tk == image_end + text_len) {
    s.prompt_begin = image_end;
    s.prompt_end = s.answer_begin = image_end + prompt_len;
    s.answer_end = image_end + text_len;
  }
  return s;
}

HtmlLayer layer_of(const json& l, const std::string& dir, const std::string& source, int prompt_len, int text_len) {
  HtmlLayer out;
  out.name = l.at("name");
  out.stack = l.at("stack");
  out.index = l.at("index");
  out.heads = l.at("shape").at(0);
  out.tq = l.at("shape").at(1);
  out.tk = l.at("shape").at(2);
  out.fusion = l.at("fusion");
  out.causal = l.at("causal");
  out.query_rows = l.at("query_rows").get<std::vector<int>>();
  if (!l.contains("matrix"))
    fail_input(source, "layer " + out.name + " has no matrix (run attnviz with --view grid; it is omitted above 512x512)");
  for (const auto& row : l.at("matrix"))
    for (const auto& v : row) out.matrix.push_back(v.get<float>());
  if (l.contains("npy")) {
    NpyArray heads = read_npy(dir + l.at("npy").get<std::string>());
    if (heads.shape.size() != 3 || heads.f32.empty())
      fail_input(source, "layer " + out.name + ": its .npy is not a float32 [heads, tq, tk] array");
    out.per_head = std::move(heads.f32);
  }
  out.spans = spans_of(l, out.tk, prompt_len, text_len);
  return out;
}

HtmlRun run_of(const json& r, const std::string& dir, const std::string& source) {
  HtmlRun run;
  const std::string answer = r.value("answer", "");
  run.title = html_run_title(answer);
  run.model = r.at("model").at("name");
  run.budget = r.at("input").value("budget", 0);
  run.query = r.at("query");
  run.tokens = r.at("input").at("tokens").get<std::vector<std::string>>();
  const int prompt_len = static_cast<int>(r.at("input").at("prompt_ids").size());
  for (const auto& l : r.at("layers"))
    run.layers.push_back(layer_of(l, dir, source, prompt_len, static_cast<int>(run.tokens.size())));
  return run;
}

}  // namespace

HtmlReport report_from_result(const std::string& json_path, const std::string& image_path) {
  json doc;
  try {
    doc = json::parse(read_file(json_path));
  } catch (const json::exception& e) {
    fail_input(json_path, std::string("not JSON: ") + e.what());
  }
  HtmlReport report;
  try {
    const bool combined = doc.contains("runs");
    report.figure = combined ? doc.at("figure").get<std::string>() : "single";
    const json runs = combined ? doc.at("runs") : json::array({doc});
    for (const auto& r : runs) report.runs.push_back(run_of(r, directory_of(json_path), json_path));
    const json& first = runs.at(0);
    report.prompt = first.at("input").value("prompt", "");
    const std::string image = image_path.empty() ? first.at("image").at("path").get<std::string>() : image_path;
    const cv::Mat bgr = load_image(image);
    report.image.width = bgr.cols;
    report.image.height = bgr.rows;
    report.image.bgr.assign(bgr.data, bgr.data + bgr.total() * 3);
    std::vector<std::string> models;
    for (const auto& run : report.runs) models.push_back(run.model);
    report.title = html_report_title(image, models);
  } catch (const json::exception& e) {
    fail_input(json_path, std::string("not an attnviz result: ") + e.what());
  }
  return report;
}

}  // namespace attnviz::test
