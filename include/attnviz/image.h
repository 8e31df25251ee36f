#pragma once
// Reading images and turning them into model input.
#include <cstdint>
#include <string>

#include <opencv2/core.hpp>

#include "attnviz/bgr_image.h"
#include "attnviz/image_tensor.h"
#include "attnviz/metadata.h"

namespace attnviz {

inline constexpr int64_t kDefaultMaxPixels = 100'000'000;

// PNG, JPEG, WebP, BMP, TIFF or PNM (P1-P6), as 8-bit BGR: grayscale is expanded, alpha
// is composited on white, 16-bit is scaled.
// Throws an input Error naming the path when the file is missing, a directory, not a
// regular file, unreadable, not an image, corrupt or truncated, or has more than
// `max_pixels` pixels; the size is read from the header, before anything is decoded.
cv::Mat load_image(const std::string& path, int64_t max_pixels = kDefaultMaxPixels);

// Same checks for bytes already in memory (`source` names them in errors).
cv::Mat decode_image(const std::string& bytes, const std::string& source,
                     int64_t max_pixels = kDefaultMaxPixels);

// What the file header says, without decoding: the format ("PNG", "JPEG", ...) and the
// dimensions. Throws an input Error naming `source` for an unknown format or a corrupt or
// truncated header (and, for tiled TIFF, tiles over `max_pixels`).
struct ImageHeader {
  std::string format;
  int64_t width = 0;
  int64_t height = 0;
};
ImageHeader read_image_header(const std::string& bytes, const std::string& source,
                              int64_t max_pixels = kDefaultMaxPixels);

// An 8-bit, 3-channel picture (as load_image gives) as plain data.
BgrImage to_bgr_image(const cv::Mat& bgr);

// The 8-bit picture the model is fed (still BGR): the image brought to the preprocess
// size, if it has one, as `plan_resize` plans it (squash, or cover and centre crop),
// resampled with p.interpolation: with p.antialias as PIL's Image.resize does (what
// torchvision's Resize does to PIL images), without as OpenCV's resize does (INTER_LINEAR,
// INTER_CUBIC, INTER_NEAREST: torch's interpolate without antialias, within one level).
// Throws an input Error when a crop without antialias would need a resized image of more
// than kDefaultMaxPixels pixels.
cv::Mat resize_for_model(const cv::Mat& bgr, const Preprocess& p);

// resize_for_model, then channel order, scale, mean/std: torchvision's ToTensor +
// Normalize on the same pixels.
ImageTensor preprocess(const cv::Mat& bgr, const Preprocess& p);

}  // namespace attnviz
