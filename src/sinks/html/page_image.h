#pragma once
// The input image as the page stores it: RGB bytes, box-averaged by a whole factor when
// larger than the limit, each byte stored as its difference to the same channel of the
// pixel on its left (PNG's "Sub" filter), which deflates far better than raw pixels.
#include <cstdint>
#include <vector>

#include "attnviz/html_report.h"

namespace attnviz::html {

struct PageImage {
  int width = 0, height = 0;  // as stored
  int factor = 1;             // source size / stored size (rounded up)
  std::vector<uint8_t> rgb_sub;
};

PageImage page_image(const HtmlImage& image, int max_side);

}  // namespace attnviz::html
