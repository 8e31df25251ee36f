#pragma once
// Resizing 8-bit, 3-channel images with the arithmetic of PIL's Image.resize (Pillow 9,
// src/libImaging/Resample.c and Geometry.c), so that attnviz feeds a model the same
// pixels as a torchvision pipeline on PIL images does (transforms.Resize).
#include <opencv2/core.hpp>

#include "attnviz/resize.h"

namespace attnviz {

// The pixels `window` (in output coordinates) of `bgr` resized to out_w x out_h: only the
// window is computed, and each pixel equals the one of the whole resize.
// bilinear and bicubic are PIL's convolution resampling (antialiased: the filter widens
// with the downscale factor, two separable passes, 22-bit fixed-point weights, each pass
// rounded to 8 bits); nearest is PIL's pixel-centre sampling.
cv::Mat pil_resize(const cv::Mat& bgr, int out_w, int out_h, Interpolation f, const cv::Rect& window);

}  // namespace attnviz
