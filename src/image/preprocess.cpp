#include <opencv2/imgproc.hpp>

#include "attnviz/error.h"
#include "attnviz/image.h"
#include "pil_resample.h"

namespace attnviz {

BgrImage to_bgr_image(const cv::Mat& bgr) {
  CV_Assert(bgr.type() == CV_8UC3);
  BgrImage out;
  out.width = bgr.cols;
  out.height = bgr.rows;
  out.pixels.resize(static_cast<size_t>(bgr.cols) * bgr.rows * 3);
  for (int y = 0; y < bgr.rows; ++y)
    std::copy(bgr.ptr<uint8_t>(y), bgr.ptr<uint8_t>(y) + bgr.cols * 3, out.pixels.begin() + static_cast<size_t>(y) * bgr.cols * 3);
  return out;
}


namespace {

int opencv_flag(Interpolation f) {
  switch (f) {
    case Interpolation::nearest: return cv::INTER_NEAREST;
    case Interpolation::bicubic: return cv::INTER_CUBIC;
    default: return cv::INTER_LINEAR;
  }
}

// OpenCV resizes whole images only, so a crop first needs the whole resized image.
cv::Mat opencv_resize(const cv::Mat& bgr, const ResizePlan& plan, Interpolation f) {
  const int64_t pixels = static_cast<int64_t>(plan.resized_h) * plan.resized_w;
  if (pixels > kDefaultMaxPixels)
    fail(ExitCode::input, "resizing " + std::to_string(plan.source_w) + "x" + std::to_string(plan.source_h) +
                              " for a centre crop without antialias needs a " + std::to_string(pixels) +
                              "-pixel image (over " + std::to_string(kDefaultMaxPixels) + "); use antialias");
  cv::Mat out;
  cv::resize(bgr, out, cv::Size(plan.resized_w, plan.resized_h), 0, 0, opencv_flag(f));
  return out;
}

}  // namespace

cv::Mat resize_for_model(const cv::Mat& bgr, const Preprocess& p) {
  CV_Assert(bgr.type() == CV_8UC3);
  const ResizePlan plan = plan_resize(bgr.rows, bgr.cols, p.size, p.resize);
  const cv::Rect window(plan.crop_left, plan.crop_top, plan.out_w, plan.out_h);
  if (!plan.resizes()) return bgr(window);
  if (p.antialias) return pil_resize(bgr, plan.resized_w, plan.resized_h, p.interpolation, window);
  return opencv_resize(bgr, plan, p.interpolation)(window);
}

ImageTensor preprocess(const cv::Mat& bgr, const Preprocess& p) {
  const cv::Mat img = resize_for_model(bgr, p);
  ImageTensor t;
  t.channels = 3;
  t.height = img.rows;
  t.width = img.cols;
  t.data.resize(static_cast<size_t>(3) * t.height * t.width);
  const size_t plane = static_cast<size_t>(t.height) * t.width;
  // The same float arithmetic as torchvision's ToTensor + Normalize.
  const float scale = static_cast<float>(p.scale);
  float mean[3], stdev[3];
  for (int c = 0; c < 3; ++c) {
    mean[c] = static_cast<float>(p.mean[c]);
    stdev[c] = static_cast<float>(p.std[c]);
  }
  for (int y = 0; y < t.height; ++y) {
    const auto* row = img.ptr<cv::Vec3b>(y);
    for (int x = 0; x < t.width; ++x) {
      const size_t i = static_cast<size_t>(y) * t.width + x;
      for (int c = 0; c < 3; ++c) {
        // Output channel c reads BGR index 2 - c for RGB models, c for BGR models.
        const int src = p.bgr ? c : 2 - c;
        t.data[c * plane + i] = (static_cast<float>(row[x][src]) / scale - mean[c]) / stdev[c];
      }
    }
  }
  return t;
}

}  // namespace attnviz
