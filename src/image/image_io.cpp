#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "attnviz/atomic_file.h"
#include "attnviz/error.h"
#include "attnviz/image.h"

namespace attnviz {
namespace {

// To 8-bit BGR: 16-bit and float are scaled, gray expanded, alpha composited on white.
cv::Mat to_bgr8(const cv::Mat& in) {
  cv::Mat m = in;
  if (m.depth() == CV_16U) {
    m.convertTo(m, CV_8U, 1.0 / 257.0);
  } else if (m.depth() == CV_32F || m.depth() == CV_64F) {
    m.convertTo(m, CV_8U, 255.0);
  } else if (m.depth() != CV_8U) {
    m.convertTo(m, CV_8U);
  }
  if (m.channels() == 1) {
    cv::cvtColor(m, m, cv::COLOR_GRAY2BGR);
  } else if (m.channels() == 4) {
    cv::Mat bgr(m.size(), CV_8UC3);
    for (int y = 0; y < m.rows; ++y) {
      const auto* src = m.ptr<cv::Vec4b>(y);
      auto* dst = bgr.ptr<cv::Vec3b>(y);
      for (int x = 0; x < m.cols; ++x) {
        const int a = src[x][3];
        for (int c = 0; c < 3; ++c) dst[x][c] = static_cast<uchar>((src[x][c] * a + 255 * (255 - a) + 127) / 255);
      }
    }
    m = bgr;
  } else if (m.channels() != 3) {
    throw std::runtime_error(std::to_string(m.channels()) + " channels");
  }
  return m;
}

}  // namespace

cv::Mat decode_image(const std::string& bytes, const std::string& source, int64_t max_pixels) {
  if (bytes.empty()) fail_input(source, "empty file, not an image");
  cv::Mat raw(1, static_cast<int>(bytes.size()), CV_8U, const_cast<char*>(bytes.data()));
  // Check the size from the header before decoding a pixel bomb.
  cv::Mat decoded;
  try {
    decoded = cv::imdecode(raw, cv::IMREAD_UNCHANGED);
  } catch (const cv::Exception& e) {
    fail_input(source, "cannot decode image (" + std::string(e.err) + ")");
  }
  if (decoded.empty()) fail_input(source, "not an image OpenCV can decode (corrupt, truncated or unknown format)");
  if (static_cast<int64_t>(decoded.rows) * decoded.cols > max_pixels)
    fail_input(source, "image is " + std::to_string(decoded.cols) + "x" + std::to_string(decoded.rows) +
                           ", more than the limit of " + std::to_string(max_pixels) + " pixels (--max-pixels)");
  try {
    return to_bgr8(decoded);
  } catch (const std::exception& e) {
    fail_input(source, std::string("unsupported image layout (") + e.what() + ")");
  }
}

cv::Mat load_image(const std::string& path, int64_t max_pixels) {
  return decode_image(read_file(path), path, max_pixels);
}

}  // namespace attnviz
