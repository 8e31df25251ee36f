#pragma once
// Putting pictures together: side by side, stacked, and the side panel with the input
// image and captions.
#include <vector>

#include <opencv2/core.hpp>

#include "attnviz/figure.h"

namespace attnviz {

// The input image with captions under it, `width` pixels wide, for beside a figure.
cv::Mat render_side_panel(const cv::Mat& bgr, const std::vector<Caption>& captions, int width);

// Places images left to right, top-aligned, on white.
cv::Mat beside(const std::vector<cv::Mat>& images, int gap = 12);
// Places images top to bottom, left-aligned, on white.
cv::Mat stacked(const std::vector<cv::Mat>& images, int gap = 8);

}  // namespace attnviz
