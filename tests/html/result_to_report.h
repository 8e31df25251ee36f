#pragma once
// An HtmlReport from an attnviz result JSON (docs/json-format.md) written with
// --view grid (so each layer has its fused matrix), for testing the page before the
// real sink exists. Per-head matrices come from the layers' .npy files, when present.
#include <string>

#include "attnviz/html_report.h"

namespace attnviz::test {

// `json_path` is STEM.json, STEM.budgets.json or STEM.models.json; `image_path` empty:
// the path recorded in the JSON. Throws an input Error naming the file.
HtmlReport report_from_result(const std::string& json_path, const std::string& image_path);

}  // namespace attnviz::test
