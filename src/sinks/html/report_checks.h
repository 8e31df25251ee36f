#pragma once
#include "attnviz/html_report.h"

namespace attnviz::html {

// Throws an input Error naming the run and the layer when sizes, spans or rows do not fit.
void check_report(const HtmlReport& report);

}  // namespace attnviz::html
