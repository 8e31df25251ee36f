#include "attnviz/html_from_analysis.h"

#include <algorithm>
#include <filesystem>

#include "attnviz/error.h"

namespace attnviz {
namespace {

HtmlLayer layer_of(const LayerView& v, int prompt_count) {
  const AttentionMap& a = v.attention;
  HtmlLayer l;
  l.name = a.name;
  l.stack = a.stack;
  l.index = a.index;
  l.heads = a.heads;
  l.tq = a.tq;
  l.tk = a.tk;
  l.fusion = a.fusion.str();
  l.causal = v.causal;
  l.matrix = a.matrix();
  // --heads all keeps every head in `fused`.
  l.per_head = a.fusion.kind == HeadFusion::Kind::all ? a.fused : a.per_head;
  const TokenSpans& s = v.spans;
  l.spans = {s.image.offset, s.image.count, s.image.grid_h, s.image.grid_w, v.text_positions, prompt_count};
  l.query_rows = v.query_rows;
  return l;
}

HtmlRun run_of(const Analysis& a) {
  HtmlRun run;
  run.title = html_run_title(a.answer);
  run.model = a.model_name;
  run.budget = a.budget;
  run.query = a.query.str();
  run.tokens = a.tokens;
  // Windowed layers (Swin) have no one matrix to show: the page leaves them out.
  const int prompt_count = static_cast<int>(a.tokens.size() - a.answer_ids.size());
  for (const auto& v : a.layers)
    if (!v.attention.windowed()) run.layers.push_back(layer_of(v, prompt_count));
  return run;
}

}  // namespace

HtmlReport html_report_of(const std::vector<const Analysis*>& runs, const std::string& figure) {
  if (runs.empty()) fail(ExitCode::input, "html report: no runs");
  const Analysis& first = *runs.front();
  if (!first.image) fail(ExitCode::input, "html report: " + first.image_path + ": no image");
  HtmlReport report;
  report.figure = figure;
  report.prompt = first.prompt;
  report.image.width = first.image->width;
  report.image.height = first.image->height;
  report.image.bgr = first.image->pixels;
  std::vector<std::string> models;
  for (const Analysis* a : runs) {
    report.runs.push_back(run_of(*a));
    models.push_back(a->model_name);
  }
  report.title = html_report_title(first.image_path, models);
  return report;
}

std::string html_run_title(const std::string& answer) {
  return answer.empty() ? "(no answer)" : "\u201c" + answer + "\u201d";
}

std::string html_report_title(const std::string& image_path, const std::vector<std::string>& models) {
  std::string title = std::filesystem::path(image_path).filename().string();
  std::vector<std::string> named;
  for (const auto& m : models)
    if (std::find(named.begin(), named.end(), m) == named.end()) named.push_back(m);
  for (size_t i = 0; i < named.size(); ++i) title += (i == 0 ? " \u00b7 " : " vs ") + named[i];
  return title;
}

}  // namespace attnviz
