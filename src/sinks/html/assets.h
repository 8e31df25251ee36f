#pragma once
// The page's sources (viewer.html, viewer.css, viewer.js, colormaps.js in this folder),
// compiled in by embed_assets.cmake.
#include <string_view>

namespace attnviz::html {

std::string_view viewer_html();
std::string_view viewer_css();
std::string_view viewer_js();
std::string_view colormaps_js();

}  // namespace attnviz::html
