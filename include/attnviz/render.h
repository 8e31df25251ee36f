#pragma once
// Pictures from attention data: OpenCV only, no model needed.
#include <optional>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "attnviz/query.h"

namespace attnviz {

// viridis (default), jet, magma, inferno, plasma, turbo, hot, bone, gray, ...
int parse_colormap(const std::string& name);  // an OpenCV ColormapTypes value
std::vector<std::string> colormap_names();

// Values in [0,1] (CV_32F, 1 channel) to BGR through the colormap.
cv::Mat colorize(const cv::Mat& unit, int colormap);

struct OverlayPanel {
  std::string title;    // e.g. the layer name, or the model's answer
  std::string corner;   // small label in the panel's corner (e.g. the budget); may be empty
  const ImageMap* map = nullptr;  // nullptr: the original image
};

struct OverlayStyle {
  int colormap = 0;      // set from parse_colormap
  double alpha = 0.5;    // heat weight in the blend
  int min_panel = 256;   // small images are enlarged (nearest) to at least this size
  bool merge_equal_titles = false;  // neighbours with one title share a spanning title
};

// The map is upsampled (bilinear) to the image's full resolution, normalised by its
// own maximum, colourised and blended: out = (1 - alpha) * image + alpha * heat.
cv::Mat blend_map(const cv::Mat& bgr, const ImageMap& map, int colormap, double alpha);

cv::Mat render_overlay(const cv::Mat& bgr, const std::vector<OverlayPanel>& panels,
                       const OverlayStyle& style);

struct TokenSpans {
  TokenSpan image;            // count 0: unknown
  int prompt_begin = 0, prompt_end = 0;  // [begin, end) in the stack's sequence
  int answer_begin = 0, answer_end = 0;
};

struct GridCell {
  std::string title;                    // e.g. "layer 5"
  const AttentionMap* layer = nullptr;  // nullptr: "n/a"
  TokenSpans spans;
};

struct GridRow {
  std::string label;  // e.g. the model name
  std::vector<GridCell> cells;
};

struct GridStyle {
  int colormap = 0;
  bool log_scale = false;
  bool shared_scale = false;  // one colour scale for all cells
  int cell_size = 320;
};

cv::Mat render_grid(const std::vector<GridRow>& rows, const GridStyle& style);

}  // namespace attnviz

namespace attnviz {

struct Caption {
  std::string heading;  // e.g. "prompt", "tinyvlm-base"
  std::string text;     // wrapped to the panel's width
  int frame = -1;       // row frame colour index (as in render_grid), -1: ink
};

// The input image with captions under it, `width` pixels wide, for beside a figure.
cv::Mat render_side_panel(const cv::Mat& bgr, const std::vector<Caption>& captions, int width);

// PNG bytes with fixed settings: the same pixels always give the same bytes. `name`
// names the file in errors.
std::string encode_png(const cv::Mat& image, const std::string& name);

// Places images left to right, top-aligned, on white.
cv::Mat beside(const std::vector<cv::Mat>& images, int gap = 12);
// Places images top to bottom, left-aligned, on white.
cv::Mat stacked(const std::vector<cv::Mat>& images, int gap = 8);

// Two image files pixel by pixel (for `attnviz diff --png-tolerance`): a pixel differs
// when any channel differs by more than `tolerance` levels.
struct ImageComparison {
  std::string problem;          // non-empty when they cannot be compared pixel by pixel
                                // (unreadable, different size, channels or depth)
  long pixels = 0;              // pixels compared
  long pixels_over = 0;         // pixels differing by more than the tolerance
  int max_difference = 0;       // largest channel difference anywhere
  int worst_x = 0, worst_y = 0; // where it is
};
ImageComparison compare_images(const std::string& expected_path, const std::string& actual_path, int tolerance);

}  // namespace attnviz
