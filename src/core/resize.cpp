#include "attnviz/resize.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "attnviz/error.h"

namespace attnviz {
namespace {

constexpr int64_t kMaxResizedSide = int64_t{1} << 28;

// Python's int(round(d / 2.0)) for d >= 0: halves go to the even neighbour.
int half_to_even(int d) {
  const int q = d / 2;
  if (d % 2 == 0) return q;
  return q % 2 == 0 ? q : q + 1;
}

// torchvision's int(S * long / short): the product is exact, the division one rounding.
int64_t scaled_long_side(int64_t s, int long_side, int short_side) {
  return static_cast<int64_t>(static_cast<double>(s * long_side) / static_cast<double>(short_side));
}

void plan_cover(ResizePlan& p) {
  const bool portrait = p.source_w <= p.source_h;  // torchvision: short = w when w <= h
  const int short_side = portrait ? p.source_w : p.source_h;
  const int long_side = portrait ? p.source_h : p.source_w;
  const int target_short = portrait ? p.out_w : p.out_h;
  const int target_long = portrait ? p.out_h : p.out_w;
  // The smallest S covering the target; the estimate is at most one or two short.
  int64_t s = std::max<int64_t>(target_short, static_cast<int64_t>(target_long) * short_side / long_side);
  while (scaled_long_side(s, long_side, short_side) < target_long) ++s;
  const int64_t resized_long = scaled_long_side(s, long_side, short_side);
  if (resized_long > kMaxResizedSide)
    fail(ExitCode::input, "image " + std::to_string(p.source_w) + "x" + std::to_string(p.source_h) +
                              " is too elongated to resize for a centre crop to " + std::to_string(p.out_h) + "x" +
                              std::to_string(p.out_w) + " (HxW)");
  p.resized_w = static_cast<int>(portrait ? s : resized_long);
  p.resized_h = static_cast<int>(portrait ? resized_long : s);
  p.crop_top = half_to_even(p.resized_h - p.out_h);
  p.crop_left = half_to_even(p.resized_w - p.out_w);
}

// [begin, end) of a resized axis in the source's pixels, rounded to the nearest.
std::array<int, 2> source_span(int begin, int end, int source, int resized) {
  const double f = static_cast<double>(source) / resized;
  int b = static_cast<int>(std::lround(begin * f));
  int e = static_cast<int>(std::lround(end * f));
  b = std::clamp(b, 0, source - 1);
  e = std::clamp(e, b + 1, source);
  return {b, e};
}

}  // namespace

const char* resize_mode_name(ResizeMode mode) { return mode == ResizeMode::crop ? "crop" : "squash"; }

const char* interpolation_name(Interpolation f) {
  switch (f) {
    case Interpolation::nearest: return "nearest";
    case Interpolation::bicubic: return "bicubic";
    default: return "bilinear";
  }
}

std::optional<ResizeMode> parse_resize_mode(const std::string& text) {
  for (auto mode : {ResizeMode::squash, ResizeMode::crop})
    if (text == resize_mode_name(mode)) return mode;
  return std::nullopt;
}

std::optional<Interpolation> parse_interpolation(const std::string& text) {
  for (auto f : {Interpolation::nearest, Interpolation::bilinear, Interpolation::bicubic})
    if (text == interpolation_name(f)) return f;
  return std::nullopt;
}

const char* resize_mode_choices() { return "squash or crop"; }
const char* interpolation_choices() { return "bilinear, bicubic or nearest"; }

PixelRect ResizePlan::source_region() const {
  const auto xs = source_span(crop_left, crop_left + out_w, source_w, resized_w);
  const auto ys = source_span(crop_top, crop_top + out_h, source_h, resized_h);
  return {xs[0], ys[0], xs[1] - xs[0], ys[1] - ys[0]};
}

ResizePlan plan_resize(int source_h, int source_w, const std::optional<std::array<int, 2>>& size, ResizeMode mode) {
  ResizePlan p;
  p.source_h = p.resized_h = p.out_h = source_h;
  p.source_w = p.resized_w = p.out_w = source_w;
  if (!size || source_h <= 0 || source_w <= 0) return p;
  p.out_h = (*size)[0];
  p.out_w = (*size)[1];
  if (mode == ResizeMode::squash) {
    p.resized_h = p.out_h;
    p.resized_w = p.out_w;
  } else {
    plan_cover(p);
  }
  return p;
}

}  // namespace attnviz
