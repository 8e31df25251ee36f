#include <algorithm>
#include <cmath>
#include <map>
#include <string>

#include <opencv2/imgproc.hpp>

#include "attnviz/render/colormap.h"
#include "attnviz/render/overlay.h"
#include "palette.h"
#include "text.h"

namespace attnviz {
namespace {

using render::kInk;
using render::kMuted;
using render::kWhite;

constexpr int kTitleHeight = 20;
constexpr int kTitleBar = 36;
constexpr int kGap = 6;

// Small images are enlarged by a whole factor (nearest) so patches stay crisp.
int display_factor(const cv::Mat& img, int min_panel) {
  int side = std::max(img.cols, img.rows);
  return side >= min_panel ? 1 : (min_panel + side - 1) / side;
}

// A panel's corner label (a budget, "no attention on image"): an opaque box with white
// text that does not depend on the image, and repeats on every panel of a batch: drawn
// once per thread, then copied. FreeType's hinted glyphs cost more than the rest of a
// panel (bench/README.md).
const cv::Mat& corner_label(const std::string& text) {
  thread_local std::map<std::string, cv::Mat> labels;
  auto it = labels.find(text);
  if (it != labels.end()) return it->second;
  if (labels.size() >= 256) labels.clear();
  const cv::Size sz = render::text_size(text, 16);
  cv::Mat box(sz.height + 13, sz.width + 13, CV_8UC3, cv::Scalar(20, 20, 20));
  render::draw_text(box, text, {6, 4}, 16, kWhite);
  return labels.emplace(text, std::move(box)).first->second;
}

}  // namespace

cv::Mat as_mat(const BgrImage& image) {
  // OpenCV takes a non-const pointer for headers of both kinds; nothing writes through it.
  return cv::Mat(image.height, image.width, CV_8UC3, const_cast<uint8_t*>(image.pixels.data()));
}

cv::Mat blend_map(const cv::Mat& bgr, const ImageMap& map, int colormap, double alpha) {
  cv::Mat grid(map.grid_h, map.grid_w, CV_32F);
  float peak = 0.0f;
  for (int i = 0; i < map.grid_h * map.grid_w; ++i) {
    grid.at<float>(i / map.grid_w, i % map.grid_w) = map.values[i];
    peak = std::max(peak, map.values[i]);
  }
  if (peak > 0) grid /= peak;
  cv::Mat up;
  cv::resize(grid, up, bgr.size(), 0, 0, cv::INTER_LINEAR);
  // Bilinear values stay within [0, 1], and colorize's conversion to 8 bits saturates
  // anything outside: no separate clamp.
  cv::Mat heat = colorize(up, colormap);
  cv::Mat out;
  cv::addWeighted(bgr, 1.0 - alpha, heat, alpha, 0.0, out);
  return out;
}

cv::Mat render_overlay(const cv::Mat& bgr, const std::vector<OverlayPanel>& panels,
                       const OverlayStyle& style) {
  const int k = display_factor(bgr, style.min_panel);
  cv::Mat shown;
  cv::resize(bgr, shown, cv::Size(bgr.cols * k, bgr.rows * k), 0, 0, cv::INTER_NEAREST);
  const int pw = shown.cols, ph = shown.rows;
  const int n = static_cast<int>(panels.size());
  cv::Mat canvas(kTitleBar + ph + kGap, n * pw + (n + 1) * kGap, CV_8UC3, kWhite);

  // The title bar (white, text well above its bottom row) depends only on the titles and
  // the geometry, and repeats from image to image in a batch, where the answer is one of
  // a few words: drawn once per thread, then copied. FreeType's hinted glyphs were a third
  // of the overlay's cost (bench/README.md).
  const cv::Rect bar(0, 0, canvas.cols, kTitleBar);
  std::string key = std::to_string(pw) + 'x' + std::to_string(canvas.cols) + (style.merge_equal_titles ? 'm' : 's');
  for (const auto& p : panels) key += (p.map ? '\x1e' : '\x1d') + p.title;
  thread_local std::map<std::string, cv::Mat> bars;
  auto cached = bars.find(key);
  if (cached != bars.end()) {
    cached->second.copyTo(canvas(bar));
  } else {
    // Titles: one per panel, or one spanning a run of neighbours with the same title.
    for (int i = 0; i < n;) {
      int j = i + 1;
      if (style.merge_equal_titles)
        while (j < n && panels[j].title == panels[i].title && panels[j].map && panels[i].map) ++j;
      int x0 = kGap + i * (pw + kGap), x1 = kGap + (j - 1) * (pw + kGap) + pw;
      std::string title = render::fit_text(panels[i].title, kTitleHeight, x1 - x0, true);
      render::draw_text(canvas, title, {(x0 + x1) / 2, 7}, kTitleHeight, kInk, render::Align::center, true);
      if (j - i > 1) cv::line(canvas, {x0 + 4, kTitleBar - 4}, {x1 - 4, kTitleBar - 4}, kInk, 1, cv::LINE_AA);
      i = j;
    }
    if (bars.size() >= 256) bars.clear();
    bars.emplace(std::move(key), canvas(bar).clone());
  }
  for (int i = 0; i < n; ++i) {
    const auto& p = panels[i];
    cv::Mat panel = p.map ? blend_map(shown, *p.map, style.colormap, style.alpha) : shown.clone();
    if (!p.corner.empty()) {
      const cv::Mat& label = corner_label(p.corner);
      const cv::Rect r(0, 0, std::min(label.cols, panel.cols), std::min(label.rows, panel.rows));
      label(r).copyTo(panel(r));
    }
    panel.copyTo(canvas(cv::Rect(kGap + i * (pw + kGap), kTitleBar, pw, ph)));
  }
  return canvas;
}

}  // namespace attnviz
