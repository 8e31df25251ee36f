#include "attnviz/render/png.h"

#include <png.h>

#include "attnviz/error.h"

namespace attnviz {
namespace {

void append_png_bytes(png_structp png, png_bytep data, png_size_t size) {
  static_cast<std::string*>(png_get_io_ptr(png))->append(reinterpret_cast<const char*>(data), size);
}
void flush_nothing(png_structp) {}

// libpng reports errors by longjmp, so everything here is plain data; returns false on
// failure. `out` is appended to.
bool write_png(const cv::Mat& image, int color_type, bool bgr, std::string* out) {
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  if (!png) return false;
  png_infop info = png_create_info_struct(png);
  if (!info || setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, info ? &info : nullptr);
    return false;
  }
  png_set_write_fn(png, out, append_png_bytes, flush_nothing);
  // Speed over the last bytes: the "up" filter alone suits these pictures (flat colour,
  // smooth gradients, enlarged pixels), and zlib's fast matcher (level 3) costs a quarter
  // of libpng's defaults for 10% more bytes (bench/README.md, "What was optimised").
  png_set_filter(png, PNG_FILTER_TYPE_BASE, PNG_FILTER_UP);
  png_set_compression_level(png, 3);
  png_set_IHDR(png, info, static_cast<png_uint_32>(image.cols), static_cast<png_uint_32>(image.rows), 8, color_type,
               PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_BASE, PNG_FILTER_TYPE_BASE);
  png_write_info(png, info);
  if (bgr) png_set_bgr(png);
  for (int y = 0; y < image.rows; ++y) png_write_row(png, const_cast<png_bytep>(image.ptr<uchar>(y)));
  png_write_end(png, info);
  png_destroy_write_struct(&png, &info);
  return true;
}

}  // namespace

std::string encode_png(const cv::Mat& image, const std::string& name) {
  std::string bytes;
  bool ok = false;
  if (image.depth() == CV_8U && !image.empty()) {
    switch (image.channels()) {
      case 1: ok = write_png(image, PNG_COLOR_TYPE_GRAY, false, &bytes); break;
      case 3: ok = write_png(image, PNG_COLOR_TYPE_RGB, true, &bytes); break;
      case 4: ok = write_png(image, PNG_COLOR_TYPE_RGB_ALPHA, true, &bytes); break;
      default: break;
    }
  }
  if (!ok) fail(ExitCode::output, name + ": PNG encoding failed");
  return bytes;
}

}  // namespace attnviz
