#pragma once
// src/sinks/html/colormaps.js as it should be: attnviz's colormaps (OpenCV's tables, the
// PNGs' colours) as 256 RGB entries each.
#include <string>

namespace attnviz::test {

std::string colormaps_js();

}  // namespace attnviz::test
