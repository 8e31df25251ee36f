#include "page_image.h"

#include <cmath>

#include "pooling.h"

namespace attnviz::html {

PageImage page_image(const HtmlImage& image, int max_side) {
  PageImage out;
  out.factor = side_factor(image.height, image.width, max_side);
  out.width = pooled_size(image.width, out.factor);
  out.height = pooled_size(image.height, out.factor);
  const size_t source_pixels = static_cast<size_t>(image.width) * image.height;
  const size_t pixels = static_cast<size_t>(out.width) * out.height;
  std::vector<uint8_t> rgb(3 * pixels);
  std::vector<float> channel(source_pixels);
  for (int c = 0; c < 3; ++c) {
    for (size_t i = 0; i < source_pixels; ++i) channel[i] = image.bgr[3 * i + (2 - c)];
    const auto pooled = mean_pool(channel.data(), image.height, image.width, out.factor);
    for (size_t i = 0; i < pixels; ++i) rgb[3 * i + c] = static_cast<uint8_t>(std::lround(pooled[i]));
  }
  out.rgb_sub.resize(rgb.size());
  const size_t stride = 3 * static_cast<size_t>(out.width);
  for (int y = 0; y < out.height; ++y)
    for (size_t x = 0; x < stride; ++x) {
      const size_t i = y * stride + x;
      out.rgb_sub[i] = static_cast<uint8_t>(rgb[i] - (x >= 3 ? rgb[i - 3] : 0));
    }
  return out;
}

}  // namespace attnviz::html
