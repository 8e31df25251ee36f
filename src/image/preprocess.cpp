#include <opencv2/imgproc.hpp>

#include "attnviz/image.h"

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


ImageTensor preprocess(const cv::Mat& bgr, const Preprocess& p) {
  cv::Mat img = bgr;
  if (p.size && (img.rows != (*p.size)[0] || img.cols != (*p.size)[1]))
    cv::resize(img, img, cv::Size((*p.size)[1], (*p.size)[0]), 0, 0, cv::INTER_LINEAR);
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
