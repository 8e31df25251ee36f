#pragma once
// An 8-bit BGR picture as plain data: what an analysis keeps of its input image, so that
// results, reports and figure descriptions need no imaging library.
#include <cstdint>
#include <vector>

namespace attnviz {

struct BgrImage {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> pixels;  // row-major, 3 bytes per pixel (B, G, R)
};

}  // namespace attnviz
