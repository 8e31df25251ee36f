#pragma once
// The report as the page reads it: a JSON document (layout, tokens, spans, where each
// matrix sits) and one binary blob (the matrices and the image). docs/html.md.
#include <string>

#include <nlohmann/json.hpp>

#include "attnviz/html_report.h"

namespace attnviz::html {

struct PageData {
  nlohmann::json doc;
  std::string blob_base64;
};

PageData page_data(const HtmlReport& report);  // the report must have passed check_report

}  // namespace attnviz::html
