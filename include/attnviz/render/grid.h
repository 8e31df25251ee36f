#pragma once
// Token x token attention matrices, one cell per layer, one row per model or stack,
// with the image / prompt / answer spans marked on the axes.
#include <vector>

#include <opencv2/core.hpp>

#include "attnviz/figure.h"

namespace attnviz {

cv::Mat render_grid(const std::vector<GridRow>& rows, const GridStyle& style);

}  // namespace attnviz
