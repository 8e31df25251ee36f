// The order of every floating-point operation below follows Pillow's, because the 8-bit
// results must be PIL's bit for bit (tests/fixtures/make_preprocess_refs.py checks them
// against PIL itself).
#include "pil_resample.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace attnviz {
namespace {

// Weights in 22-bit fixed point leave 8 bits for the pixel and 2 for the sums of negative
// lobes overshooting 1.
constexpr int kPrecisionBits = 32 - 8 - 2;

struct Filter {
  double (*weight)(double x);
  double support;
};

double triangle(double x) {
  if (x < 0.0) x = -x;
  return x < 1.0 ? 1.0 - x : 0.0;
}

// Keys' cubic convolution with a = -0.5 (torch's and OpenCV's bicubic use -0.75).
double keys_cubic(double x) {
  constexpr double a = -0.5;
  if (x < 0.0) x = -x;
  if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
  if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
  return 0.0;
}

// For each output position in [begin, end): the source run [first, first + count) and
// its fixed-point weights (ksize slots each).
struct Taps {
  int ksize = 0;
  std::vector<int> first, count;
  std::vector<int32_t> weights;
};

Taps make_taps(int in_size, int out_size, int begin, int end, const Filter& filter) {
  Taps t;
  const double scale = static_cast<double>(in_size) / out_size;
  const double filterscale = std::max(scale, 1.0);  // the antialiasing: widen when shrinking
  const double support = filter.support * filterscale;
  t.ksize = static_cast<int>(std::ceil(support)) * 2 + 1;
  std::vector<double> k(t.ksize);
  for (int xx = begin; xx < end; ++xx) {
    const double center = (xx + 0.5) * scale;
    const double ss = 1.0 / filterscale;
    const int xmin = std::max(static_cast<int>(center - support + 0.5), 0);
    const int xmax = std::min(static_cast<int>(center + support + 0.5), in_size) - xmin;
    double ww = 0.0;
    for (int x = 0; x < xmax; ++x) {
      k[x] = filter.weight((x + xmin - center + 0.5) * ss);
      ww += k[x];
    }
    for (int x = 0; x < t.ksize; ++x) {
      const double w = x < xmax ? (ww != 0.0 ? k[x] / ww : k[x]) : 0.0;
      t.weights.push_back(static_cast<int32_t>(w < 0 ? -0.5 + w * (1 << kPrecisionBits) : 0.5 + w * (1 << kPrecisionBits)));
    }
    t.first.push_back(xmin);
    t.count.push_back(xmax);
  }
  return t;
}

uint8_t clip8(int32_t sum) {
  return static_cast<uint8_t>(std::clamp(sum >> kPrecisionBits, 0, 255));
}

// Rows [row0, row0 + rows) of `in`, each resampled along x with `taps`.
cv::Mat horizontal_pass(const cv::Mat& in, int row0, int rows, const Taps& taps) {
  const int out_w = static_cast<int>(taps.first.size());
  cv::Mat out(rows, out_w, CV_8UC3);
  for (int y = 0; y < rows; ++y) {
    const uint8_t* src = in.ptr<uint8_t>(row0 + y);
    uint8_t* dst = out.ptr<uint8_t>(y);
    for (int xx = 0; xx < out_w; ++xx) {
      const int32_t* k = &taps.weights[static_cast<size_t>(xx) * taps.ksize];
      const uint8_t* s = src + taps.first[xx] * 3;
      int32_t sum[3] = {1 << (kPrecisionBits - 1), 1 << (kPrecisionBits - 1), 1 << (kPrecisionBits - 1)};
      for (int x = 0; x < taps.count[xx]; ++x)
        for (int c = 0; c < 3; ++c) sum[c] += s[x * 3 + c] * k[x];
      for (int c = 0; c < 3; ++c) dst[xx * 3 + c] = clip8(sum[c]);
    }
  }
  return out;
}

// Each output row from rows of `in` (row indices less `row0`), resampled along y.
cv::Mat vertical_pass(const cv::Mat& in, int row0, const Taps& taps) {
  const int out_h = static_cast<int>(taps.first.size());
  const int width = in.cols * 3;
  cv::Mat out(out_h, in.cols, CV_8UC3);
  std::vector<int32_t> sum(width);
  for (int yy = 0; yy < out_h; ++yy) {
    const int32_t* k = &taps.weights[static_cast<size_t>(yy) * taps.ksize];
    std::fill(sum.begin(), sum.end(), 1 << (kPrecisionBits - 1));
    for (int y = 0; y < taps.count[yy]; ++y) {
      const uint8_t* src = in.ptr<uint8_t>(taps.first[yy] - row0 + y);
      for (int i = 0; i < width; ++i) sum[i] += src[i] * k[y];
    }
    uint8_t* dst = out.ptr<uint8_t>(yy);
    for (int i = 0; i < width; ++i) dst[i] = clip8(sum[i]);
  }
  return out;
}

cv::Mat convolve(const cv::Mat& bgr, int out_w, int out_h, const Filter& filter, const cv::Rect& window) {
  const bool along_x = out_w != bgr.cols, along_y = out_h != bgr.rows;
  Taps vertical;
  int row0 = window.y, rows = window.height;
  if (along_y) {
    vertical = make_taps(bgr.rows, out_h, window.y, window.y + window.height, filter);
    row0 = vertical.first.front();
    rows = vertical.first.back() + vertical.count.back() - row0;
  }
  cv::Mat columns = along_x ? horizontal_pass(bgr, row0, rows, make_taps(bgr.cols, out_w, window.x, window.x + window.width, filter))
                            : bgr(cv::Rect(window.x, row0, window.width, rows));
  return along_y ? vertical_pass(columns, row0, vertical) : columns.clone();
}

// PIL's nearest neighbour: the source pixel under each output pixel's centre, the
// positions accumulated step by step as PIL does.
std::vector<int> nearest_sources(int in_size, int out_size, int end) {
  const double step = static_cast<double>(in_size) / out_size;
  std::vector<int> index(end);
  double pos = step * 0.5;
  for (int x = 0; x < end; ++x, pos += step) index[x] = std::clamp(static_cast<int>(pos), 0, in_size - 1);
  return index;
}

cv::Mat nearest(const cv::Mat& bgr, int out_w, int out_h, const cv::Rect& window) {
  const auto xs = nearest_sources(bgr.cols, out_w, window.x + window.width);
  const auto ys = nearest_sources(bgr.rows, out_h, window.y + window.height);
  cv::Mat out(window.height, window.width, CV_8UC3);
  for (int y = 0; y < window.height; ++y) {
    const auto* src = bgr.ptr<cv::Vec3b>(ys[window.y + y]);
    auto* dst = out.ptr<cv::Vec3b>(y);
    for (int x = 0; x < window.width; ++x) dst[x] = src[xs[window.x + x]];
  }
  return out;
}

}  // namespace

cv::Mat pil_resize(const cv::Mat& bgr, int out_w, int out_h, Interpolation f, const cv::Rect& window) {
  CV_Assert(bgr.type() == CV_8UC3 && window.x >= 0 && window.y >= 0 && window.width > 0 && window.height > 0 &&
            window.x + window.width <= out_w && window.y + window.height <= out_h);
  switch (f) {
    case Interpolation::nearest: return nearest(bgr, out_w, out_h, window);
    case Interpolation::bicubic: return convolve(bgr, out_w, out_h, {keys_cubic, 2.0}, window);
    default: return convolve(bgr, out_w, out_h, {triangle, 1.0}, window);
  }
}

}  // namespace attnviz
