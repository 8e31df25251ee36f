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
  for (size_t i = 0; i < s.text.size(); ++i)
    if (s.text[i] < 0 || s.text[i] >= l.tk || (i > 0 && s.text[i] <= s.text[i - 1]))
      bad("text token " + std::to_string(i) + " at key " + std::to_string(s.text[i]) + " is not inside the " +
          std::to_string(l.tk) + " keys, after the one before");
  if (s.text.size() > token_count)
    bad("spans place " + std::to_string(s.text.size()) + " text tokens, the run has " + std::to_string(token_count));
  if (s.prompt_count < 0 || static_cast<size_t>(s.prompt_count) > s.text.size())
    bad("prompt count " + std::to_string(s.prompt_count) + " is more than the text tokens placed");
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
