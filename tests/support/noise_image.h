#pragma once
// Seeded uniform-noise images: the same pixels on every run, for tests and benchmarks.
#include <opencv2/core.hpp>

namespace attnviz::test {

// `type` is any OpenCV type (CV_8UC3, CV_16UC1, ...); values cover the depth's full range.
inline cv::Mat noise(int rows, int cols, int type, int seed) {
  cv::Mat m(rows, cols, type);
  cv::RNG rng(seed);
  rng.fill(m, cv::RNG::UNIFORM, 0, CV_MAT_DEPTH(type) == CV_16U ? 65536 : 256);
  return m;
}

}  // namespace attnviz::test
