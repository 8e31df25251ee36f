#include <algorithm>
#include <cmath>
#include <cstdio>

#include <opencv2/imgproc.hpp>

#include "attnviz/render/colormap.h"
#include "attnviz/render/grid.h"
#include "palette.h"
#include "text.h"

namespace attnviz {
namespace {

using render::kInk;
using render::kMuted;
using render::kWhite;

// Token spans on the axes (BGR).
const cv::Scalar kImageSpan(0, 140, 255);   // orange
const cv::Scalar kPromptSpan(80, 170, 40);  // green
const cv::Scalar kAnswerSpan(200, 60, 150); // purple

constexpr int kBar = 7;         // span bar thickness
constexpr int kBarGap = 3;
constexpr int kCellPad = 14;
constexpr int kTitle = 18;
constexpr int kLabel = 15;
constexpr double kLogDecades = 4.0;

std::string fmt(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

void dashed_rect(cv::Mat& img, cv::Rect r, const cv::Scalar& color) {
  auto dashed = [&](cv::Point a, cv::Point b) {
    double len = std::hypot(b.x - a.x, b.y - a.y);
    for (double t = 0; t < len; t += 14) {
      double t1 = std::min(len, t + 8);
      cv::Point p(a.x + int((b.x - a.x) * t / len), a.y + int((b.y - a.y) * t / len));
      cv::Point q(a.x + int((b.x - a.x) * t1 / len), a.y + int((b.y - a.y) * t1 / len));
      cv::line(img, p, q, color, 2, cv::LINE_AA);
    }
  };
  dashed({r.x, r.y}, {r.x + r.width, r.y});
  dashed({r.x + r.width, r.y}, {r.x + r.width, r.y + r.height});
  dashed({r.x + r.width, r.y + r.height}, {r.x, r.y + r.height});
  dashed({r.x, r.y + r.height}, {r.x, r.y});
}

std::vector<float> stored(const AttentionMap& layer) {
  int rows = 0, cols = 0;
  return layer.stored_matrix(&rows, &cols);
}

float matrix_max(const std::vector<float>& m) {
  float peak = 0;
  for (float v : m) peak = std::max(peak, v);
  return peak;
}

// Value to [0, 1]: linear against `peak`, or log over kLogDecades below it.
float to_unit(float v, float peak, bool log_scale) {
  if (peak <= 0) return 0;
  if (!log_scale) return std::clamp(v / peak, 0.0f, 1.0f);
  if (v <= 0) return 0;
  double t = (std::log10(v) - std::log10(peak)) / kLogDecades + 1.0;
  return static_cast<float>(std::clamp(t, 0.0, 1.0));
}

// The matrix as a size x size picture. Entries above the diagonal that are exactly zero
// (masked by causality) stay blank; anything the model did attend to there is drawn. A
// pooled matrix is drawn cell by cell; a cell is above the diagonal when all it covers is.
cv::Mat draw_matrix(const AttentionMap& layer, float peak, const GridStyle& style, int size) {
  int tq = 0, tk = 0;
  const auto m = layer.stored_matrix(&tq, &tk);
  const int p = layer.pool, shift = layer.tk - layer.tq;
  cv::Mat unit(tq, tk, CV_32F), blank(tq, tk, CV_8U);
  for (int i = 0; i < tq; ++i)
    for (int j = 0; j < tk; ++j) {
      float v = m[static_cast<size_t>(i) * tk + j];
      unit.at<float>(i, j) = to_unit(v, peak, style.log_scale);
      // Rows are aligned to the end of the key axis (decoders: tq == tk).
      bool above = j * p > (i + 1) * p - 1 + shift;
      blank.at<uchar>(i, j) = (above && v == 0.0f) ? 255 : 0;
    }
  const int h = std::max(1, tq * size / std::max(tq, tk)), w = std::max(1, tk * size / std::max(tq, tk));
  int interp = (tq > h || tk > w) ? cv::INTER_AREA : cv::INTER_NEAREST;
  cv::Mat unit_s, blank_s;
  cv::resize(unit, unit_s, cv::Size(w, h), 0, 0, interp);
  cv::resize(blank, blank_s, cv::Size(w, h), 0, 0, cv::INTER_NEAREST);
  cv::Mat pic = colorize(unit_s, style.colormap);
  pic.setTo(kWhite, blank_s);
  return pic;
}

// Coloured bars along the top and left edges for image, prompt and answer tokens.
void draw_spans(cv::Mat& canvas, cv::Rect area, const AttentionMap& layer, const TokenSpans& s) {
  const int tq = layer.tq, tk = layer.tk;
  auto bar = [&](int begin, int end, const cv::Scalar& color) {
    if (end <= begin) return;
    // Top (keys).
    int x0 = area.x + begin * area.width / tk, x1 = area.x + std::min(end, tk) * area.width / tk;
    cv::rectangle(canvas, {x0, area.y - kBarGap - kBar}, {std::max(x0, x1 - 1), area.y - kBarGap - 1}, color,
                  cv::FILLED);
    // Left (queries), rows aligned to the end of the key axis.
    int off = tk - tq;
    int b = std::max(0, begin - off), e = std::min(tq, end - off);
    if (e > b) {
      int y0 = area.y + b * area.height / tq, y1 = area.y + e * area.height / tq;
      cv::rectangle(canvas, {area.x - kBarGap - kBar, y0}, {area.x - kBarGap - 1, std::max(y0, y1 - 1)}, color,
                    cv::FILLED);
    }
  };
  if (s.image.count > 0) bar(s.image.offset, s.image.offset + s.image.count, kImageSpan);
  for (const auto& r : s.prompt) bar(r.begin, r.end, kPromptSpan);
  for (const auto& r : s.answer) bar(r.begin, r.end, kAnswerSpan);
}

void draw_colorbar(cv::Mat& canvas, cv::Rect r, const GridStyle& style, float shared_peak) {
  cv::Mat ramp(r.height, 1, CV_32F);
  for (int y = 0; y < r.height; ++y) ramp.at<float>(y, 0) = 1.0f - float(y) / std::max(1, r.height - 1);
  cv::Mat bar = colorize(ramp, style.colormap);
  cv::resize(bar, bar, r.size(), 0, 0, cv::INTER_NEAREST);
  bar.copyTo(canvas(r));
  cv::rectangle(canvas, r, kMuted, 1);
  std::string top = style.shared_scale ? fmt(shared_peak) : "max";
  std::string bottom = style.log_scale ? (style.shared_scale ? fmt(shared_peak * 1e-4) : "max·1e-4") : "0";
  render::draw_text(canvas, top, {r.x + r.width + 5, r.y - 2}, kLabel, kInk);
  render::draw_text(canvas, bottom, {r.x + r.width + 5, r.y + r.height - kLabel}, kLabel, kInk);
  std::string what = std::string(style.log_scale ? "log " : "") + (style.shared_scale ? "shared" : "per panel");
  render::draw_text(canvas, what, {r.x + r.width + 5, r.y + r.height / 2 - kLabel / 2}, kLabel - 2, kMuted);
}

}  // namespace

cv::Mat render_grid(const std::vector<GridRow>& rows, const GridStyle& style) {
  int cols = 0;
  for (const auto& row : rows) cols = std::max(cols, static_cast<int>(row.cells.size()));
  const int S = style.cell_size;
  const int cell_w = S + kBar + kBarGap + 2 * kCellPad;
  const int cell_h = kTitle + 8 + kBar + kBarGap + S + kCellPad;
  const int row_label = kLabel + 10;
  const int left = 12, top = 12;
  const int grid_w = cols * cell_w + 16;
  const int colorbar_w = 150;
  const int legend_h = 34;
  const int width = left + grid_w + colorbar_w;
  const int height = top + static_cast<int>(rows.size()) * (cell_h + row_label + 14) + legend_h + 8;
  cv::Mat canvas(height, width, CV_8UC3, kWhite);

  float shared_peak = 0;
  for (const auto& row : rows)
    for (const auto& cell : row.cells)
      if (cell.layer) shared_peak = std::max(shared_peak, matrix_max(stored(*cell.layer)));

  int y = top;
  for (size_t r = 0; r < rows.size(); ++r) {
    const auto& row = rows[r];
    const cv::Scalar frame = render::frame_color(r);
    cv::Rect frame_rect(left, y, grid_w - 8, cell_h + row_label + 6);
    dashed_rect(canvas, frame_rect, frame);
    render::draw_text(canvas, render::fit_text(row.label, kLabel, grid_w - 30, true), {left + 10, y + 5}, kLabel,
                      frame, render::Align::left, true);
    int cy = y + row_label;
    for (int c = 0; c < static_cast<int>(row.cells.size()); ++c) {
      const auto& cell = row.cells[c];
      int cx = left + 8 + c * cell_w;
      render::draw_text(canvas, render::fit_text(cell.title, kTitle, cell_w - 8, true), {cx + cell_w / 2, cy},
                        kTitle, kInk, render::Align::center, true);
      cv::Rect area(cx + kCellPad + kBar + kBarGap, cy + kTitle + 8 + kBar + kBarGap, S, S);
      if (!cell.layer) {
        cv::rectangle(canvas, area, kMuted, 1);
        render::draw_text(canvas, "n/a", {area.x + S / 2, area.y + S / 2 - kTitle / 2}, kTitle, kMuted,
                          render::Align::center);
        continue;
      }
      const auto& layer = *cell.layer;
      float peak = style.shared_scale ? shared_peak : matrix_max(stored(layer));
      cv::Mat pic = draw_matrix(layer, peak, style, S);
      cv::Rect placed(area.x, area.y, pic.cols, pic.rows);
      pic.copyTo(canvas(placed));
      cv::rectangle(canvas, placed, kMuted, 1);
      draw_spans(canvas, placed, layer, cell.spans);
    }
    y += cell_h + row_label + 14;
  }

  draw_colorbar(canvas, cv::Rect(left + grid_w + 6, top + row_label + kTitle + 8 + kBar + kBarGap, 16, S), style,
                shared_peak);

  // Legend: token spans.
  int lx = left + 8, ly = y + 6;
  auto legend = [&](const std::string& text, const cv::Scalar& color) {
    cv::rectangle(canvas, {lx, ly + 4}, {lx + 14, ly + 14}, color, cv::FILLED);
    render::draw_text(canvas, text, {lx + 20, ly}, kLabel, kInk);
    lx += 20 + render::text_size(text, kLabel).width + 24;
  };
  legend("image tokens", kImageSpan);
  legend("prompt tokens", kPromptSpan);
  legend("answer tokens", kAnswerSpan);
  render::draw_text(canvas, "rows: queries, columns: keys; blank: masked (zero) above the diagonal", {lx, ly},
                    kLabel - 2, kMuted);
  return canvas;
}

}  // namespace attnviz
