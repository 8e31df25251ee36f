#pragma once
// Two PNG files pixel by pixel (for `attnviz diff --png-tolerance`): PNG bytes differ
// between zlib/libpng versions for identical pixels, so snapshots compare what is drawn.
#include <string>

namespace attnviz {

// A pixel differs when any channel differs by more than `tolerance` levels.
struct ImageComparison {
  std::string problem;          // non-empty when they cannot be compared pixel by pixel
                                // (unreadable, different size, channels or depth)
  long pixels = 0;              // pixels compared
  long pixels_over = 0;         // pixels differing by more than the tolerance
  int max_difference = 0;       // largest channel difference anywhere
  int worst_x = 0, worst_y = 0; // where it is
};
ImageComparison compare_images(const std::string& expected_path, const std::string& actual_path, int tolerance);

}  // namespace attnviz
