#pragma once
// Attention over the image, drawn on the image: one panel per map, titled.
#include <vector>

#include <opencv2/core.hpp>

#include "attnviz/figure.h"

namespace attnviz {

// A header over the picture's pixels (no copy); read only.
cv::Mat as_mat(const BgrImage& image);

// The map is upsampled (bilinear) to the image's full resolution, normalised by its
// own maximum, colourised and blended: out = (1 - alpha) * image + alpha * heat.
cv::Mat blend_map(const cv::Mat& bgr, const ImageMap& map, int colormap, double alpha);

cv::Mat render_overlay(const cv::Mat& bgr, const std::vector<OverlayPanel>& panels,
                       const OverlayStyle& style);

}  // namespace attnviz
