#include "attnviz/html_report.h"

#include <algorithm>
#include <map>

#include "assets.h"
#include "attnviz/error.h"
#include "page_data.h"
#include "report_checks.h"

namespace attnviz {
namespace {

std::string html_escaped(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

// JSON inside a <script> element: "<" only occurs in strings, where \u003c means the
// same, so no token text can close the element or open a comment.
std::string script_safe_json(const nlohmann::json& doc) {
  const std::string text = doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '<') out += "\\u003c";
    else if (c == '>') out += "\\u003e";
    else if (c == '&') out += "\\u0026";
    else out += c;
  }
  return out;
}

// Replaces each {{name}} of the template; a placeholder missing from the template is a
// build mistake, not a user error.
std::string fill(std::string_view page, const std::map<std::string, std::string>& values) {
  std::string out;
  size_t pos = 0;
  std::map<std::string, int> used;
  while (true) {
    const size_t open = page.find("{{", pos);
    if (open == std::string_view::npos) break;
    const size_t close = page.find("}}", open);
    const auto it = close == std::string_view::npos ? values.end()
                                                    : values.find(std::string(page.substr(open + 2, close - open - 2)));
    if (it == values.end()) {
      out.append(page.substr(pos, open + 2 - pos));
      pos = open + 2;
      continue;
    }
    out.append(page.substr(pos, open - pos));
    out += it->second;
    ++used[it->first];
    pos = close + 2;
  }
  out.append(page.substr(pos));
  for (const auto& [name, value] : values)
    if (used[name] == 0) throw std::logic_error("viewer.html: placeholder {{" + name + "}} is missing");
  return out;
}

}  // namespace

std::vector<std::string> html_colormap_names() {
  // colormaps.js has one line per map: "name": "hex...",
  std::vector<std::string> names;
  const std::string_view js = html::colormaps_js();
  for (size_t pos = js.find("\n\""); pos != std::string_view::npos; pos = js.find("\n\"", pos + 1)) {
    const size_t end = js.find('"', pos + 2);
    if (end != std::string_view::npos) names.emplace_back(js.substr(pos + 2, end - pos - 2));
  }
  return names;
}

std::string render_html_report(const HtmlReport& report) {
  html::check_report(report);
  const auto names = html_colormap_names();
  if (std::find(names.begin(), names.end(), report.colormap) == names.end())
    fail(ExitCode::input, "html report: unknown colormap '" + report.colormap + "'");
  const html::PageData data = html::page_data(report);
  std::string js(html::colormaps_js());
  js += "\n";
  js += html::viewer_js();
  return fill(html::viewer_html(), {{"title", html_escaped(report.title)},
                                     {"css", std::string(html::viewer_css())},
                                     {"data", script_safe_json(data.doc)},
                                     {"blob", data.blob_base64},
                                     {"js", js}});
}

}  // namespace attnviz
