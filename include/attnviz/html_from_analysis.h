#pragma once
// The HTML report of analyses (analysis.h): what the HTML sink hands to html_report.h.
#include <string>
#include <vector>

#include "attnviz/html_report.h"
#include "attnviz/analysis.h"

namespace attnviz {

// One image: a single run (figure "single"), several budgets ("budgets") or several
// models ("models"), in the order given. Colormap, alpha and log scale keep their defaults.
HtmlReport html_report_of(const std::vector<const Analysis*>& runs, const std::string& figure);

// A column's title: the answer in quotes, or "(no answer)".
std::string html_run_title(const std::string& answer);

// "scene.png · small vs base": the image's file name and the models, each named once.
std::string html_report_title(const std::string& image_path, const std::vector<std::string>& models);

}  // namespace attnviz
