// Pixel comparison of two PNG files, for snapshot diffs. libpng directly (no imaging
// library), so `attnviz diff` starts fast.
#include "attnviz/image_compare.h"

#include <png.h>

#include <algorithm>
#include <cstdlib>
#include <cstdio>
#include <memory>
#include <vector>

namespace attnviz {
namespace {

struct Pixels {
  int width = 0, height = 0, channels = 0, bit_depth = 0;
  std::vector<uint16_t> samples;  // row-major, `channels` per pixel
};

// PNG samples as stored (palettes expanded to RGB, transparency to an alpha channel, low
// bit depths to 8 bits); false when the file is not a readable PNG. libpng reports
// errors by longjmp, so only plain data lives across setjmp.
bool read_png(const std::string& path, Pixels& out) {
  std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!file) return false;
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  if (!png) return false;
  png_infop info = png_create_info_struct(png);
  std::vector<png_bytep> rows;
  std::vector<uint8_t> raw;
  if (!info || setjmp(png_jmpbuf(png))) {
    png_destroy_read_struct(&png, info ? &info : nullptr, nullptr);
    return false;
  }
  png_init_io(png, file.get());
  png_read_info(png, info);
  png_set_expand(png);  // palette -> RGB, gray < 8 bits -> 8, tRNS -> alpha
  png_set_swap(png);    // 16-bit samples in host order (little-endian here)
  png_read_update_info(png, info);
  out.width = static_cast<int>(png_get_image_width(png, info));
  out.height = static_cast<int>(png_get_image_height(png, info));
  out.channels = png_get_channels(png, info);
  out.bit_depth = png_get_bit_depth(png, info);
  const size_t row_bytes = png_get_rowbytes(png, info);
  raw.resize(row_bytes * out.height);
  rows.resize(out.height);
  for (int y = 0; y < out.height; ++y) rows[y] = raw.data() + y * row_bytes;
  png_read_image(png, rows.data());
  png_read_end(png, nullptr);
  png_destroy_read_struct(&png, &info, nullptr);
  const size_t n = static_cast<size_t>(out.width) * out.height * out.channels;
  out.samples.resize(n);
  for (size_t i = 0; i < n; ++i)
    out.samples[i] = out.bit_depth == 16 ? static_cast<uint16_t>(raw[2 * i] | (raw[2 * i + 1] << 8)) : raw[i];
  return true;
}

std::string describe(const Pixels& p) {
  return std::to_string(p.width) + "x" + std::to_string(p.height) + " " + std::to_string(p.bit_depth) + "-bit " +
         std::to_string(p.channels) + "-channel";
}

}  // namespace

ImageComparison compare_images(const std::string& expected_path, const std::string& actual_path, int tolerance) {
  ImageComparison c;
  Pixels e, a;
  if (!read_png(expected_path, e)) c.problem = "EXPECTED cannot be read as an image";
  else if (!read_png(actual_path, a)) c.problem = "ACTUAL cannot be read as an image";
  else if (e.width != a.width || e.height != a.height || e.channels != a.channels || e.bit_depth != a.bit_depth)
    c.problem = "EXPECTED is " + describe(e) + ", ACTUAL is " + describe(a);
  if (!c.problem.empty()) return c;

  c.pixels = static_cast<long>(e.width) * e.height;
  for (int y = 0; y < e.height; ++y)
    for (int x = 0; x < e.width; ++x) {
      int worst = 0;
      const size_t at = (static_cast<size_t>(y) * e.width + x) * e.channels;
      for (int ch = 0; ch < e.channels; ++ch)
        worst = std::max(worst, std::abs(static_cast<int>(e.samples[at + ch]) - static_cast<int>(a.samples[at + ch])));
      if (worst > tolerance) ++c.pixels_over;
      if (worst > c.max_difference) {
        c.max_difference = worst;
        c.worst_x = x;
        c.worst_y = y;
      }
    }
  return c;
}

}  // namespace attnviz
