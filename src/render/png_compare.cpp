// Pixel comparison of two image files, for snapshot diffs: PNG bytes differ between
// zlib/libpng versions for identical pixels, so snapshots compare what is drawn.
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "attnviz/render.h"

namespace attnviz {
namespace {

std::string describe(const cv::Mat& m) {
  const char* depth = m.depth() == CV_8U ? "8-bit" : m.depth() == CV_16U ? "16-bit" : "other-depth";
  return std::to_string(m.cols) + "x" + std::to_string(m.rows) + " " + depth + " " + std::to_string(m.channels()) +
         "-channel";
}

}  // namespace

ImageComparison compare_images(const std::string& expected_path, const std::string& actual_path, int tolerance) {
  ImageComparison c;
  const cv::Mat e = cv::imread(expected_path, cv::IMREAD_UNCHANGED);
  const cv::Mat a = cv::imread(actual_path, cv::IMREAD_UNCHANGED);
  if (e.empty()) c.problem = "EXPECTED cannot be read as an image";
  else if (a.empty()) c.problem = "ACTUAL cannot be read as an image";
  else if (e.size() != a.size() || e.type() != a.type())
    c.problem = "EXPECTED is " + describe(e) + ", ACTUAL is " + describe(a);
  if (!c.problem.empty()) return c;

  cv::Mat diff;
  cv::absdiff(e, a, diff);
  diff.convertTo(diff, CV_32S);
  const int channels = diff.channels();
  c.pixels = static_cast<long>(diff.rows) * diff.cols;
  for (int y = 0; y < diff.rows; ++y) {
    const int* row = diff.ptr<int>(y);
    for (int x = 0; x < diff.cols; ++x) {
      int worst = 0;
      for (int ch = 0; ch < channels; ++ch) worst = std::max(worst, row[x * channels + ch]);
      if (worst > tolerance) ++c.pixels_over;
      if (worst > c.max_difference) {
        c.max_difference = worst;
        c.worst_x = x;
        c.worst_y = y;
      }
    }
  }
  return c;
}

}  // namespace attnviz
