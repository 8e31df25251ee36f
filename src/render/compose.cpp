#include <opencv2/imgproc.hpp>

#include "attnviz/render/compose.h"
#include "palette.h"
#include "text.h"

namespace attnviz {
namespace {

using render::kInk;
using render::kMuted;
using render::kWhite;

constexpr int kText = 16;

std::vector<std::string> wrap(const std::string& text, int width) {
  std::vector<std::string> lines;
  std::string line, word;
  auto push_word = [&] {
    if (word.empty()) return;
    std::string candidate = line.empty() ? word : line + " " + word;
    if (!line.empty() && render::text_size(candidate, kText).width > width) {
      lines.push_back(line);
      line = word;
    } else {
      line = candidate;
    }
    word.clear();
  };
  for (char c : text) {
    if (c == ' ' || c == '\n') push_word();
    else word += c;
  }
  push_word();
  if (!line.empty()) lines.push_back(line);
  for (auto& l : lines) l = render::fit_text(l, kText, width);
  return lines;
}

}  // namespace

cv::Mat render_side_panel(const cv::Mat& bgr, const std::vector<Caption>& captions, int width) {
  const int inner = width - 16;
  const int k = std::max(1, inner / std::max(1, std::max(bgr.cols, bgr.rows)));
  cv::Mat shown;
  if (std::max(bgr.cols, bgr.rows) <= inner) {
    cv::resize(bgr, shown, cv::Size(bgr.cols * k, bgr.rows * k), 0, 0, cv::INTER_NEAREST);
  } else {
    double f = double(inner) / std::max(bgr.cols, bgr.rows);
    cv::resize(bgr, shown, cv::Size(std::max(1, int(bgr.cols * f)), std::max(1, int(bgr.rows * f))), 0, 0,
               cv::INTER_AREA);
  }
  std::vector<std::vector<std::string>> wrapped;
  int text_h = 0;
  for (const auto& c : captions) {
    wrapped.push_back(wrap(c.text, inner));
    text_h += 8 + (kText + 6) * (1 + static_cast<int>(wrapped.back().size()));
  }
  cv::Mat panel(8 + shown.rows + text_h + 8, width, CV_8UC3, kWhite);
  shown.copyTo(panel(cv::Rect(8, 8, shown.cols, shown.rows)));
  int y = 8 + shown.rows + 8;
  for (size_t i = 0; i < captions.size(); ++i) {
    const auto& c = captions[i];
    cv::Scalar color = c.frame >= 0 ? render::frame_color(c.frame) : kInk;
    render::draw_text(panel, render::fit_text(c.heading, kText, inner, true), {8, y}, kText, color,
                      render::Align::left, true);
    y += kText + 6;
    for (const auto& line : wrapped[i]) {
      render::draw_text(panel, line, {8, y}, kText, kInk);
      y += kText + 6;
    }
    y += 8;
  }
  return panel;
}

cv::Mat beside(const std::vector<cv::Mat>& images, int gap) {
  int w = 0, h = 0;
  for (const auto& m : images) {
    w += m.cols + (w ? gap : 0);
    h = std::max(h, m.rows);
  }
  cv::Mat out(std::max(1, h), std::max(1, w), CV_8UC3, kWhite);
  int x = 0;
  for (const auto& m : images) {
    m.copyTo(out(cv::Rect(x, 0, m.cols, m.rows)));
    x += m.cols + gap;
  }
  return out;
}

cv::Mat stacked(const std::vector<cv::Mat>& images, int gap) {
  int w = 0, h = 0;
  for (const auto& m : images) {
    h += m.rows + (h ? gap : 0);
    w = std::max(w, m.cols);
  }
  cv::Mat out(std::max(1, h), std::max(1, w), CV_8UC3, kWhite);
  int y = 0;
  for (const auto& m : images) {
    m.copyTo(out(cv::Rect(0, y, m.cols, m.rows)));
    y += m.rows + gap;
  }
  return out;
}

}  // namespace attnviz
