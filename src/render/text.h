#pragma once
// Text in figures: DejaVu Sans through OpenCV's FreeType module, so titles look like a
// paper's; the Hershey fonts only when no TrueType font can be found.
#include <string>

#include <opencv2/core.hpp>

namespace attnviz::render {

enum class Align { left, center, right };

// Size of `text` at pixel height `height`.
cv::Size text_size(const std::string& text, int height, bool bold = false);

// Draws `text` with its top-left (or top-centre / top-right) at `at`.
void draw_text(cv::Mat& img, const std::string& text, cv::Point at, int height,
               const cv::Scalar& color, Align align = Align::left, bool bold = false);

// Shortens `text` with an ellipsis to fit `max_width` pixels.
std::string fit_text(const std::string& text, int height, int max_width, bool bold = false);

}  // namespace attnviz::render
