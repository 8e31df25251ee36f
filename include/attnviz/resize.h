#pragma once
// How an image is brought to the model's input size: the resize modes and filters a
// model's preprocessing can name (docs/metadata.md), and the geometry of a resize, plain
// integers, so that reports and figures know which part of the image the model saw.
#include <array>
#include <optional>
#include <string>

namespace attnviz {

// squash: straight to the target size. crop: the aspect ratio kept, just covering the
// target, then the centre cut out (torchvision's Resize(S) + CenterCrop).
enum class ResizeMode { squash, crop };
enum class Interpolation { nearest, bilinear, bicubic };

const char* resize_mode_name(ResizeMode mode);
const char* interpolation_name(Interpolation f);
// The names above; nothing for anything else.
std::optional<ResizeMode> parse_resize_mode(const std::string& text);
std::optional<Interpolation> parse_interpolation(const std::string& text);
// "squash or crop", for messages.
const char* resize_mode_choices();
const char* interpolation_choices();

// A rectangle in an image's pixels.
struct PixelRect {
  int x = 0, y = 0, width = 0, height = 0;
};

// An image of source_h x source_w resized to resized_h x resized_w, then the model's
// input (out_h x out_w) cut out of it at (crop_top, crop_left).
struct ResizePlan {
  int source_h = 0, source_w = 0;
  int resized_h = 0, resized_w = 0;
  int crop_top = 0, crop_left = 0;
  int out_h = 0, out_w = 0;

  bool resizes() const { return resized_h != source_h || resized_w != source_w; }
  // The model's input in the source image's pixels, rounded to whole pixels (all of the
  // image unless cropped).
  PixelRect source_region() const;
};

// `size` is the target [H, W] (none: the image as it is). For crop, the resized image is
// Resize(S) of torchvision: the shorter side becomes S and the longer int(S * long / short),
// with S the smallest length >= the target's matching side for which the image covers
// the target (for a square target S is its side); the crop offsets are torchvision
// CenterCrop's int(round((resized - target) / 2.0)), halves to even.
// Throws an input Error when the resized image would have a side over 2^28 pixels.
ResizePlan plan_resize(int source_h, int source_w, const std::optional<std::array<int, 2>>& size, ResizeMode mode);

}  // namespace attnviz
