#pragma once
// Colours shared by every figure (BGR).
#include <opencv2/core.hpp>

namespace attnviz::render {

inline const cv::Scalar kWhite(255, 255, 255);
inline const cv::Scalar kInk(30, 30, 30);
inline const cv::Scalar kMuted(120, 120, 120);
// One frame colour per model row: red, blue, then green and purple.
inline const cv::Scalar kFrames[] = {{40, 40, 220}, {200, 90, 30}, {60, 150, 60}, {150, 60, 150}};
inline const cv::Scalar& frame_color(size_t i) { return kFrames[i % 4]; }

}  // namespace attnviz::render
