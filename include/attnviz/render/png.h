#pragma once
#include <string>

#include <opencv2/core.hpp>

namespace attnviz {

// PNG bytes with fixed settings: the same pixels always give the same bytes. `name`
// names the file in errors.
std::string encode_png(const cv::Mat& image, const std::string& name);

}  // namespace attnviz
