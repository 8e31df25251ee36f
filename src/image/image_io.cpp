// Reading images from untrusted files. The format and the dimensions are read from the
// file header first (a few bytes, no pixels), so an image over the pixel limit is refused
// before a decoder allocates anything for it, and only formats whose header attnviz reads
// reach a decoder at all (OpenCV would also try DICOM, OpenEXR, GDAL, ... on any bytes,
// and decodes some formats through temporary files).
//
// PNG and JPEG, the common cases, are decoded with libpng and libjpeg directly, with
// error handlers that turn every problem into the one-line error (the handlers OpenCV
// installs print to stderr, and libjpeg pads a corrupt or truncated JPEG with grey and
// only warns). WebP, BMP, TIFF and PNM go through OpenCV with std::cerr silenced.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cstring>
#include <csetjmp>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <optional>

#include <jpeglib.h>
#include <jerror.h>
#include <png.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "attnviz/error.h"
#include "attnviz/image.h"

namespace attnviz {
namespace {

// Bounds-checked reads of big/little-endian integers from the file's bytes.
class Bytes {
 public:
  explicit Bytes(const std::string& b) : b_(b) {}
  size_t size() const { return b_.size(); }
  bool has(size_t pos, size_t n) const { return pos <= b_.size() && n <= b_.size() - pos; }
  uint8_t u8(size_t pos) const { return static_cast<uint8_t>(b_[pos]); }
  uint64_t be(size_t pos, int n) const {
    uint64_t v = 0;
    for (int i = 0; i < n; ++i) v = (v << 8) | u8(pos + i);
    return v;
  }
  uint64_t le(size_t pos, int n) const {
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; --i) v = (v << 8) | u8(pos + i);
    return v;
  }
  bool starts(const char* magic, size_t n, size_t at = 0) const {
    return has(at, n) && std::memcmp(b_.data() + at, magic, n) == 0;
  }
  const std::string& str() const { return b_; }

 private:
  const std::string& b_;
};

struct Problem {
  std::string format;
  std::string what;
};

[[noreturn]] void corrupt(const std::string& format, const std::string& what) { throw Problem{format, what}; }

ImageHeader header(const char* format, uint64_t w, uint64_t h) {
  if (w == 0 || h == 0) corrupt(format, "the header gives a zero width or height");
  ImageHeader hd;
  hd.format = format;
  // Clamped (no format stores more than 32 bits), so that width * height fits in int64.
  hd.width = static_cast<int64_t>(std::min<uint64_t>(w, INT32_MAX));
  hd.height = static_cast<int64_t>(std::min<uint64_t>(h, INT32_MAX));
  return hd;
}

ImageHeader png(const Bytes& b) {
  // Signature, then the first chunk, which must be IHDR: length, type, width, height.
  if (!b.has(8, 16) || !b.starts("IHDR", 4, 12)) corrupt("PNG", "truncated or missing IHDR header");
  return header("PNG", b.be(16, 4), b.be(20, 4));
}

// Markers from SOI up to the frame header (SOF); also checks that the scan data ends with
// an end-of-image marker, because libjpeg silently pads a truncated file with grey.
ImageHeader jpeg(const Bytes& b) {
  size_t pos = 2;
  std::optional<ImageHeader> frame;
  while (true) {
    if (!b.has(pos, 2)) corrupt("JPEG", "truncated before the image data");
    if (b.u8(pos) != 0xFF) corrupt("JPEG", "bad marker at byte " + std::to_string(pos));
    uint8_t m = b.u8(pos + 1);
    if (m == 0xFF) {  // fill byte
      ++pos;
      continue;
    }
    if (m == 0x01 || (m >= 0xD0 && m <= 0xD8)) {  // stand-alone markers
      pos += 2;
      continue;
    }
    if (m == 0xD9) corrupt("JPEG", "end of image before any image data");
    if (!b.has(pos + 2, 2)) corrupt("JPEG", "truncated marker segment");
    const size_t len = b.be(pos + 2, 2);
    if (len < 2 || !b.has(pos + 2, len)) corrupt("JPEG", "bad or truncated marker segment");
    const bool sof = m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
    if (sof && !frame) {
      if (len < 8) corrupt("JPEG", "bad frame header");
      frame = header("JPEG", b.be(pos + 7, 2), b.be(pos + 5, 2));
    }
    if (m == 0xDA) {  // start of scan
      if (!frame) corrupt("JPEG", "image data before the frame header");
      const size_t end = b.str().rfind("\xFF\xD9");
      if (end == std::string::npos || end < pos + 2 + len) corrupt("JPEG", "truncated: no end-of-image marker");
      return *frame;
    }
    pos += 2 + len;
  }
}

ImageHeader bmp(const Bytes& b) {
  if (!b.has(14, 4)) corrupt("BMP", "truncated header");
  const uint64_t dib = b.le(14, 4);
  if (dib == 12) {  // OS/2 BITMAPCOREHEADER: 16-bit sizes
    if (!b.has(18, 4)) corrupt("BMP", "truncated header");
    return header("BMP", b.le(18, 2), b.le(20, 2));
  }
  if (dib < 40 || !b.has(18, 8)) corrupt("BMP", "truncated or unknown header");
  const int64_t w = static_cast<int32_t>(b.le(18, 4));
  const int64_t h = static_cast<int32_t>(b.le(22, 4));  // negative: top-down rows
  if (w <= 0) corrupt("BMP", "the header gives a width of " + std::to_string(w));
  return header("BMP", static_cast<uint64_t>(w), static_cast<uint64_t>(h < 0 ? -h : h));
}

// The first image file directory (the page OpenCV reads): ImageWidth, ImageLength and,
// for tiled files, TileWidth and TileLength (OpenCV allocates one tile buffer).
ImageHeader tiff(const Bytes& b, int64_t max_pixels) {
  const bool le = b.u8(0) == 'I';
  auto rd = [&](size_t pos, int n) { return le ? b.le(pos, n) : b.be(pos, n); };
  const bool big = rd(2, 2) == 43;
  uint64_t ifd;
  if (big) {
    if (!b.has(8, 8)) corrupt("TIFF", "truncated header");
    ifd = rd(8, 8);
  } else {
    if (!b.has(4, 4)) corrupt("TIFF", "truncated header");
    ifd = rd(4, 4);
  }
  const size_t count_size = big ? 8 : 2, entry_size = big ? 20 : 12, value_at = big ? 12 : 8;
  if (ifd > b.size() || !b.has(ifd, count_size)) corrupt("TIFF", "the first directory is outside the file");
  const uint64_t count = rd(ifd, static_cast<int>(count_size));
  if (count > (b.size() - ifd) / entry_size) corrupt("TIFF", "truncated directory");
  uint64_t w = 0, h = 0, tw = 0, th = 0;
  for (uint64_t i = 0; i < count; ++i) {
    const size_t e = ifd + count_size + i * entry_size;
    if (!b.has(e, entry_size)) corrupt("TIFF", "truncated directory");
    const uint64_t tag = rd(e, 2), type = rd(e + 2, 2), n = rd(e + 4, big ? 8 : 4);
    uint64_t* field = tag == 256 ? &w : tag == 257 ? &h : tag == 322 ? &tw : tag == 323 ? &th : nullptr;
    if (!field) continue;
    // One SHORT, LONG or LONG8 each, once: what libtiff reads is then what is checked here.
    if (*field != 0 || n != 1) corrupt("TIFF", "repeated or malformed size tag " + std::to_string(tag));
    if (type == 3) *field = rd(e + value_at, 2);
    else if (type == 4) *field = rd(e + value_at, 4);
    else if (type == 16 && big) *field = rd(e + value_at, 8);
    else corrupt("TIFF", "size tag " + std::to_string(tag) + " has type " + std::to_string(type));
    if (*field == 0) corrupt("TIFF", "size tag " + std::to_string(tag) + " is zero");
  }
  if (w == 0 || h == 0) corrupt("TIFF", "no image width and length in the first directory");
  if (tw && th && static_cast<double>(tw) * static_cast<double>(th) > static_cast<double>(max_pixels))
    corrupt("TIFF", "tiles of " + std::to_string(tw) + "x" + std::to_string(th) + " are over the pixel limit");
  return header("TIFF", w, h);
}

ImageHeader webp(const Bytes& b) {
  if (!b.has(12, 18)) corrupt("WebP", "truncated header");
  if (b.starts("VP8 ", 4, 12)) {
    if (!b.starts("\x9d\x01\x2a", 3, 23)) corrupt("WebP", "bad VP8 frame header");
    return header("WebP", b.le(26, 2) & 0x3FFF, b.le(28, 2) & 0x3FFF);
  }
  if (b.starts("VP8L", 4, 12)) {
    if (b.u8(20) != 0x2F) corrupt("WebP", "bad VP8L header");
    const uint64_t bits = b.le(21, 4);
    return header("WebP", (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1);
  }
  if (b.starts("VP8X", 4, 12)) return header("WebP", b.le(24, 3) + 1, b.le(27, 3) + 1);
  corrupt("WebP", "unknown chunk after the RIFF header");
}

// Netpbm (P1-P6): an ASCII header read the way OpenCV's decoder reads it (white space and
// comments before each number, exactly one white-space byte after it), so that both see
// the same size; anything looser is refused rather than guessed.
ImageHeader netpbm(const Bytes& b) {
  const std::string& s = b.str();
  size_t pos = 2;
  auto number = [&]() -> uint64_t {
    while (pos < s.size() && !std::isdigit(static_cast<unsigned char>(s[pos]))) {
      if (s[pos] == '#') {
        while (pos < s.size() && s[pos] != '\n' && s[pos] != '\r') ++pos;
        ++pos;
      } else if (std::isspace(static_cast<unsigned char>(s[pos]))) {
        ++pos;
      } else {
        corrupt("PNM", "bad header");
      }
    }
    uint64_t v = 0;
    int digits = 0;
    while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) {
      v = v * 10 + static_cast<uint64_t>(s[pos++] - '0');
      if (++digits > 10) corrupt("PNM", "bad header");
    }
    if (digits == 0 || pos >= s.size() || !std::isspace(static_cast<unsigned char>(s[pos])))
      corrupt("PNM", "bad or truncated header");
    ++pos;
    return v;
  };
  const uint64_t w = number();
  const uint64_t h = number();
  return header("PNM", w, h);
}

// A friendlier message for well-known formats attnviz does not read.
const char* unsupported_format(const Bytes& b) {
  if (b.starts("GIF87a", 6) || b.starts("GIF89a", 6)) return "GIF";
  if (b.starts("\x76\x2f\x31\x01", 4)) return "OpenEXR";
  if (b.starts("#?RADIANCE", 10) || b.starts("#?RGBE", 6)) return "Radiance HDR";
  if (b.size() >= 3 && b.u8(0) == 'P' && (b.u8(1) == 'F' || b.u8(1) == 'f') && std::isspace(b.u8(2))) return "PFM";
  if (b.size() >= 3 && b.u8(0) == 'P' && b.u8(1) == '7' && std::isspace(b.u8(2))) return "PAM";
  if (b.starts("\x59\xA6\x6A\x95", 4)) return "Sun raster";
  if (b.starts("\x00\x00\x00\x0CjP  \r\n\x87\n", 12) || b.starts("\xFF\x4F\xFF\x51", 4)) return "JPEG 2000";
  if (b.starts("DICM", 4, 128)) return "DICOM";
  if (b.starts("ftyp", 4, 4) && (b.starts("heic", 4, 8) || b.starts("heix", 4, 8) || b.starts("mif1", 4, 8)))
    return "HEIF";
  if (b.starts("ftyp", 4, 4) && b.starts("avif", 4, 8)) return "AVIF";
  if (b.starts("%PDF", 4)) return "PDF";
  if (b.starts("8BPS", 4)) return "Photoshop";
  return nullptr;
}

// ---- PNG with libpng. Everything that lives across setjmp is created before it, so the
// longjmp out of an error handler skips no destructor.

struct PngSource {
  const std::string* bytes;
  size_t pos;
  char message[256];
};

extern "C" void png_on_error(png_structp png, png_const_charp msg) {
  auto* src = static_cast<PngSource*>(png_get_error_ptr(png));
  std::snprintf(src->message, sizeof src->message, "%s", msg);
  png_longjmp(png, 1);
}

extern "C" void png_on_warning(png_structp, png_const_charp) {}

extern "C" void png_read_bytes(png_structp png, png_bytep out, png_size_t n) {
  auto* src = static_cast<PngSource*>(png_get_io_ptr(png));
  if (n > src->bytes->size() - src->pos) png_error(png, "truncated file");
  std::memcpy(out, src->bytes->data() + src->pos, n);
  src->pos += n;
}

// 1 (gray), 3 (BGR) or 4 (BGRA) channels, 8 or 16 bits: what OpenCV's IMREAD_UNCHANGED gives.
bool decode_png(const std::string& bytes, cv::Mat& out, std::string& error) {
  PngSource src{&bytes, 0, {0}};
  std::vector<png_bytep> rows;
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &src, png_on_error, png_on_warning);
  if (!png) {
    error = "out of memory";
    return false;
  }
  png_infop info = png_create_info_struct(png);
  if (!info || setjmp(png_jmpbuf(png))) {
    png_destroy_read_struct(&png, info ? &info : nullptr, nullptr);
    out.release();
    error = src.message[0] ? src.message : "cannot decode";
    return false;
  }
  png_set_read_fn(png, &src, png_read_bytes);
  png_set_user_limits(png, 0x7FFFFFFF, 0x7FFFFFFF);  // the pixel limit was checked already
  png_read_info(png, info);
  const int color = png_get_color_type(png, info);
  const int depth = png_get_bit_depth(png, info);
  if (color == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
  if (color == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
  if (png_get_valid(png, info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
  if (color == PNG_COLOR_TYPE_GRAY_ALPHA || (color == PNG_COLOR_TYPE_GRAY && png_get_valid(png, info, PNG_INFO_tRNS)))
    png_set_gray_to_rgb(png);
  if (depth == 16) png_set_swap(png);  // to host order (little-endian)
  png_set_bgr(png);
  png_set_interlace_handling(png);
  png_read_update_info(png, info);
  const int channels = png_get_channels(png, info);
  const int out_depth = png_get_bit_depth(png, info);
  if ((channels != 1 && channels != 3 && channels != 4) || (out_depth != 8 && out_depth != 16))
    png_error(png, "unsupported pixel layout");
  out.create(static_cast<int>(png_get_image_height(png, info)), static_cast<int>(png_get_image_width(png, info)),
             CV_MAKETYPE(out_depth == 16 ? CV_16U : CV_8U, channels));
  if (png_get_rowbytes(png, info) != out.cols * out.elemSize()) png_error(png, "unexpected row size");
  rows.resize(static_cast<size_t>(out.rows));
  for (int y = 0; y < out.rows; ++y) rows[static_cast<size_t>(y)] = out.ptr<png_byte>(y);
  png_read_image(png, rows.data());
  png_read_end(png, nullptr);  // checks the rest of the data stream and the end marker
  png_destroy_read_struct(&png, &info, nullptr);
  return true;
}

// ---- JPEG with libjpeg. Warnings about corrupt data are errors (libjpeg would go on with
// grey blocks), except stray bytes between markers, which many cameras write.

struct JpegErrors {
  jpeg_error_mgr pub;
  jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

extern "C" void jpeg_on_error(j_common_ptr cinfo) {
  auto* err = reinterpret_cast<JpegErrors*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, err->message);
  std::longjmp(err->jump, 1);
}

extern "C" void jpeg_on_message(j_common_ptr cinfo, int level) {
  if (level < 0 && cinfo->err->msg_code != JWRN_EXTRANEOUS_DATA) jpeg_on_error(cinfo);
}

extern "C" void jpeg_on_output(j_common_ptr) {}

// Progressive files with thousands of tiny scans take quadratic time (libjpeg-turbo's
// "max scans" advice).
extern "C" void jpeg_on_progress(j_common_ptr cinfo) {
  if (reinterpret_cast<j_decompress_ptr>(cinfo)->input_scan_number > 500) {
    auto* err = reinterpret_cast<JpegErrors*>(cinfo->err);
    std::snprintf(err->message, sizeof err->message, "more than 500 progressive scans");
    std::longjmp(err->jump, 1);
  }
}

// 1 (gray) or 3 (BGR) channels, 8 bits; Adobe CMYK/YCCK as OpenCV converts it.
bool decode_jpeg(const std::string& bytes, cv::Mat& out, std::string& error) {
  jpeg_decompress_struct cinfo;
  JpegErrors err;
  jpeg_progress_mgr progress;
  cv::Mat cmyk;
  std::memset(&cinfo, 0, sizeof cinfo);
  cinfo.err = jpeg_std_error(&err.pub);
  err.pub.error_exit = jpeg_on_error;
  err.pub.emit_message = jpeg_on_message;
  err.pub.output_message = jpeg_on_output;
  err.message[0] = 0;
  if (setjmp(err.jump)) {
    jpeg_destroy_decompress(&cinfo);
    out.release();
    error = err.message[0] ? err.message : "cannot decode";
    return false;
  }
  jpeg_create_decompress(&cinfo);
  progress.progress_monitor = jpeg_on_progress;
  cinfo.progress = &progress;
  jpeg_mem_src(&cinfo, reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<unsigned long>(bytes.size()));
  jpeg_read_header(&cinfo, TRUE);
  const bool is_cmyk = cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK;
  if (cinfo.jpeg_color_space == JCS_GRAYSCALE) cinfo.out_color_space = JCS_GRAYSCALE;
  else if (is_cmyk) cinfo.out_color_space = JCS_CMYK;
  else cinfo.out_color_space = JCS_EXT_BGR;
  jpeg_start_decompress(&cinfo);
  const int w = static_cast<int>(cinfo.output_width), h = static_cast<int>(cinfo.output_height);
  cv::Mat& target = is_cmyk ? cmyk : out;
  target.create(h, w, CV_MAKETYPE(CV_8U, cinfo.output_components));
  while (cinfo.output_scanline < cinfo.output_height) {
    JSAMPROW row = target.ptr<JSAMPLE>(static_cast<int>(cinfo.output_scanline));
    jpeg_read_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_decompress(&cinfo);
  jpeg_destroy_decompress(&cinfo);
  if (is_cmyk) {
    out.create(h, w, CV_8UC3);
    for (int y = 0; y < h; ++y) {
      const uchar* s = cmyk.ptr<uchar>(y);
      uchar* d = out.ptr<uchar>(y);
      for (int x = 0; x < w; ++x, s += 4, d += 3) {
        const int k = s[3];
        d[0] = static_cast<uchar>(k - (((255 - s[2]) * k) >> 8));
        d[1] = static_cast<uchar>(k - (((255 - s[1]) * k) >> 8));
        d[2] = static_cast<uchar>(k - (((255 - s[0]) * k) >> 8));
      }
    }
  }
  return true;
}

// ---- Other formats: OpenCV, which reports a failed decode on std::cerr. That message is
// dropped (the caller reports its own); std::cerr is restored once no decode is running.
std::mutex g_cerr_mutex;
int g_cerr_silenced = 0;
std::streambuf* g_cerr_saved = nullptr;

struct SilenceCerr {
  SilenceCerr() {
    std::lock_guard<std::mutex> lock(g_cerr_mutex);
    if (g_cerr_silenced++ == 0) g_cerr_saved = std::cerr.rdbuf(nullptr);
  }
  ~SilenceCerr() {
    std::lock_guard<std::mutex> lock(g_cerr_mutex);
    if (--g_cerr_silenced == 0) {
      std::cerr.rdbuf(g_cerr_saved);
      std::cerr.clear();
    }
  }
};

// To 8-bit BGR: 16-bit and float are scaled, gray expanded, alpha composited on white.
cv::Mat to_bgr8(const cv::Mat& in) {
  cv::Mat m = in;
  if (m.depth() == CV_16U) {
    m.convertTo(m, CV_8U, 1.0 / 257.0);
  } else if (m.depth() == CV_32F || m.depth() == CV_64F) {
    m.convertTo(m, CV_8U, 255.0);
  } else if (m.depth() != CV_8U) {
    m.convertTo(m, CV_8U);
  }
  if (m.channels() == 1) {
    cv::cvtColor(m, m, cv::COLOR_GRAY2BGR);
  } else if (m.channels() == 4) {
    cv::Mat bgr(m.size(), CV_8UC3);
    for (int y = 0; y < m.rows; ++y) {
      const auto* src = m.ptr<cv::Vec4b>(y);
      auto* dst = bgr.ptr<cv::Vec3b>(y);
      for (int x = 0; x < m.cols; ++x) {
        const int a = src[x][3];
        for (int c = 0; c < 3; ++c) dst[x][c] = static_cast<uchar>((src[x][c] * a + 255 * (255 - a) + 127) / 255);
      }
    }
    m = bgr;
  } else if (m.channels() != 3) {
    throw std::runtime_error(std::to_string(m.channels()) + " channels");
  }
  return m;
}

std::string pixels_text(int64_t w, int64_t h) {
  return std::to_string(w) + "x" + std::to_string(h) + " (" + std::to_string(w * h) + " pixels)";
}

}  // namespace

ImageHeader read_image_header(const std::string& bytes, const std::string& source, int64_t max_pixels) {
  const Bytes b(bytes);
  if (bytes.empty()) fail_input(source, "empty file, not an image");
  try {
    if (b.starts("\x89PNG\r\n\x1a\n", 8)) return png(b);
    if (b.starts("\xFF\xD8\xFF", 3)) return jpeg(b);
    if (b.starts("BM", 2)) return bmp(b);
    if (b.starts("II*\0", 4) || b.starts("MM\0*", 4) || b.starts("II+\0", 4) || b.starts("MM\0+", 4))
      return tiff(b, max_pixels);
    if (b.starts("RIFF", 4) && b.starts("WEBP", 4, 8)) return webp(b);
    if (b.size() >= 3 && b.u8(0) == 'P' && b.u8(1) >= '1' && b.u8(1) <= '6' && std::isspace(b.u8(2)))
      return netpbm(b);
  } catch (const Problem& p) {
    fail_input(source, "corrupt " + p.format + " (" + p.what + ")");
  }
  if (const char* format = unsupported_format(b))
    fail_input(source, std::string(format) + " images are not supported (convert to PNG or JPEG)");
  fail_input(source, "not an image (no PNG, JPEG, WebP, BMP, TIFF or PNM signature)");
}

cv::Mat decode_image(const std::string& bytes, const std::string& source, int64_t max_pixels) {
  if (bytes.size() > static_cast<size_t>(INT_MAX))
    fail_input(source, "file is " + std::to_string(bytes.size()) + " bytes, too large for an image");
  // The limit is checked against the header, before a decoder allocates anything.
  const ImageHeader h = read_image_header(bytes, source, max_pixels);
  if (h.width * h.height > max_pixels)
    fail_input(source, h.format + " image is " + pixels_text(h.width, h.height) + ", more than the limit of " +
                           std::to_string(max_pixels) + " pixels (--max-pixels)");
  cv::Mat decoded;
  std::string why;
  bool ok = false;
  if (h.format == "PNG") {
    ok = decode_png(bytes, decoded, why);
  } else if (h.format == "JPEG") {
    ok = decode_jpeg(bytes, decoded, why);
  } else {
    cv::Mat raw(1, static_cast<int>(bytes.size()), CV_8U, const_cast<char*>(bytes.data()));
    SilenceCerr quiet;
    try {
      decoded = cv::imdecode(raw, cv::IMREAD_UNCHANGED);
      ok = !decoded.empty();
    } catch (const cv::Exception& e) {
      why = e.err;
    }
  }
  if (!ok) fail_input(source, "corrupt or truncated " + h.format + " (" + (why.empty() ? "cannot decode it" : why) + ")");
  if (static_cast<int64_t>(decoded.rows) * decoded.cols > max_pixels)  // a header that lied
    fail_input(source, h.format + " image is " + pixels_text(decoded.cols, decoded.rows) +
                           ", more than the limit of " + std::to_string(max_pixels) + " pixels (--max-pixels)");
  try {
    return to_bgr8(decoded);
  } catch (const std::exception& e) {
    fail_input(source, std::string("unsupported image layout (") + e.what() + ")");
  }
}

cv::Mat load_image(const std::string& path, int64_t max_pixels) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    fail_input(path, errno == ENOENT ? std::string("no such file") : std::string("cannot read (") + std::strerror(errno) + ")");
  if (S_ISDIR(st.st_mode)) fail_input(path, "is a directory, not an image");
  // A FIFO would block and a device (/dev/zero) never end: only regular files.
  if (!S_ISREG(st.st_mode)) fail_input(path, "not a regular file (a device, FIFO or socket), not an image");
  if (st.st_size > INT_MAX)
    fail_input(path, "file is " + std::to_string(st.st_size) + " bytes, too large for an image");
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail_input(path, std::string("cannot read (") + std::strerror(errno) + ")");
  std::string bytes;
  bytes.reserve(static_cast<size_t>(st.st_size));
  char buf[1 << 16];
  while (true) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      fail_input(path, std::string("read error (") + std::strerror(err) + ")");
    }
    bytes.append(buf, static_cast<size_t>(n));
    if (bytes.size() > static_cast<size_t>(INT_MAX)) {
      ::close(fd);
      fail_input(path, "file is too large for an image");
    }
  }
  ::close(fd);
  return decode_image(bytes, path, max_pixels);
}

}  // namespace attnviz
