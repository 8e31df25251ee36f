#include "report_checks.h"

#include <algorithm>

#include "attnviz/error.h"

namespace attnviz::html {
namespace {

void check_layer(const HtmlLayer& l, const std::string& where, size_t token_count) {
  auto bad = [&](const std::string& problem) { fail(ExitCode::input, "html report: " + where + ": " + problem); };
  if (l.tq <= 0 || l.tk <= 0) bad("empty attention (tq " + std::to_string(l.tq) + ", tk " + std::to_string(l.tk) + ")");
  if (l.matrix.size() != static_cast<size_t>(l.tq) * l.tk)
    bad("matrix has " + std::to_string(l.matrix.size()) + " values, expected tq*tk = " +
        std::to_string(static_cast<size_t>(l.tq) * l.tk));
  if (!l.per_head.empty() && (l.heads <= 0 || l.per_head.size() != static_cast<size_t>(l.heads) * l.tq * l.tk))
    bad("per-head data has " + std::to_string(l.per_head.size()) + " values, expected heads*tq*tk = " +
        std::to_string(static_cast<size_t>(std::max(l.heads, 0)) * l.tq * l.tk));
  const auto& s = l.spans;
  if (s.image_count < 0 || s.image_offset < 0 || s.image_offset + s.image_count > l.tk)
    bad("image tokens [" + std::to_string(s.image_offset) + ", " + std::to_string(s.image_offset + s.image_count) +
        ") do not fit the " + std::to_string(l.tk) + " keys");
  if (s.image_count > 0 && s.grid_h * s.grid_w != s.image_count)
    bad("image grid " + std::to_string(s.grid_h) + "x" + std::to_string(s.grid_w) + " does not hold " +
        std::to_string(s.image_count) + " image tokens");
  auto check_range = [&](int begin, int end, const char* what) {
    if (begin < 0 || end < begin || end > l.tk)
      bad(std::string(what) + " tokens [" + std::to_string(begin) + ", " + std::to_string(end) + ") do not fit the " +
          std::to_string(l.tk) + " keys");
  };
  check_range(s.prompt_begin, s.prompt_end, "prompt");
  check_range(s.answer_begin, s.answer_end, "answer");
  const size_t text = static_cast<size_t>(s.prompt_end - s.prompt_begin) + (s.answer_end - s.answer_begin);
  if (text > token_count) bad("spans cover " + std::to_string(text) + " text tokens, the run has " + std::to_string(token_count));
  if (s.answer_end > s.answer_begin && s.prompt_end > s.prompt_begin && s.answer_begin != s.prompt_end)
    bad("the answer tokens do not follow the prompt tokens");
  for (int r : l.query_rows)
    if (r < 0 || r >= l.tq) bad("query row " + std::to_string(r) + " is outside the " + std::to_string(l.tq) + " rows");
}

}  // namespace

void check_report(const HtmlReport& report) {
  const auto& im = report.image;
  if (im.width <= 0 || im.height <= 0 || im.bgr.size() != static_cast<size_t>(im.width) * im.height * 3)
    fail(ExitCode::input, "html report: the image has " + std::to_string(im.bgr.size()) + " bytes for " +
                              std::to_string(im.width) + "x" + std::to_string(im.height) + " BGR pixels");
  if (report.runs.empty()) fail(ExitCode::input, "html report: no runs");
  for (size_t r = 0; r < report.runs.size(); ++r) {
    const auto& run = report.runs[r];
    for (const auto& layer : run.layers)
      check_layer(layer, "run " + std::to_string(r) + " (" + run.model + "), layer " + layer.name, run.tokens.size());
  }
}

}  // namespace attnviz::html
