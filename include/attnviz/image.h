#pragma once
// Reading images and turning them into model input.
#include <cstdint>
#include <string>

#include <opencv2/core.hpp>

#include "attnviz/image_tensor.h"
#include "attnviz/metadata.h"

namespace attnviz {

inline constexpr int64_t kDefaultMaxPixels = 100'000'000;

// Any format OpenCV reads, as 8-bit BGR: grayscale is expanded, alpha is composited on
// white, 16-bit is scaled. Throws an input Error naming the path when the file is
// missing, a directory, unreadable, not an image, or larger than `max_pixels`.
cv::Mat load_image(const std::string& path, int64_t max_pixels = kDefaultMaxPixels);

// Same checks for bytes already in memory (`source` names them in errors).
cv::Mat decode_image(const std::string& bytes, const std::string& source,
                     int64_t max_pixels = kDefaultMaxPixels);

// Resize (bilinear) to the preprocess size if it has one, channel order, scale, mean/std.
ImageTensor preprocess(const cv::Mat& bgr, const Preprocess& p);

}  // namespace attnviz
