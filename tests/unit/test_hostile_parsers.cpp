// Hostile input to the parsers, in process: image files (valid but unusual ones must
// decode to the right pixels; broken ones must be one-line input errors; oversized ones
// must be refused from the header, before any pixel is allocated), command-line specs,
// metadata, .npy and the file writer. Every image is made here, by the test.
#include <gtest/gtest.h>

#include <png.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <sys/stat.h>

#include <climits>
#include <cmath>
#include <cstring>
#include <fstream>
#include <functional>
#include <random>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "attnviz/atomic_file.h"
#include "attnviz/attention.h"
#include "attnviz/error.h"
#include "attnviz/image.h"
#include "attnviz/layer_selection.h"
#include "attnviz/metadata.h"
#include "attnviz/npy.h"
#include "attnviz/query.h"
#include "attnviz/snapshot_diff.h"
#include "attnviz/token_layout.h"
#include "noise_image.h"
#include "test_support.h"

using namespace attnviz;

namespace {

// ---- building image files

std::string be32(uint32_t v) {
  std::string s(4, '\0');
  for (int i = 0; i < 4; ++i) s[i] = static_cast<char>(v >> (24 - 8 * i));
  return s;
}

std::string le16(uint32_t v) { return {static_cast<char>(v & 0xff), static_cast<char>((v >> 8) & 0xff)}; }
std::string le32(uint32_t v) { return le16(v & 0xffff) + le16(v >> 16); }

std::string png_chunk(const std::string& type, const std::string& data) {
  uLong crc = crc32(0, reinterpret_cast<const Bytef*>(type.data()), static_cast<uInt>(type.size()));
  crc = crc32(crc, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(data.size()));
  return be32(static_cast<uint32_t>(data.size())) + type + data + be32(static_cast<uint32_t>(crc));
}

const std::string kPngSignature("\x89PNG\r\n\x1a\n", 8);

std::string png_ihdr(uint32_t w, uint32_t h, int depth, int color) {
  return png_chunk("IHDR", be32(w) + be32(h) + std::string{static_cast<char>(depth), static_cast<char>(color), 0, 0, 0});
}

// A PNG written by libpng: rows of packed samples as the file stores them.
struct PngSpec {
  int width = 0, height = 0, depth = 8, color = PNG_COLOR_TYPE_RGB;
  bool interlace = false;
  std::vector<std::string> rows;  // big-endian 16-bit samples, packed sub-byte samples
  std::vector<png_color> palette;
  std::vector<png_byte> trans;    // palette alpha
};

extern "C" void png_write_to_string(png_structp png, png_bytep data, png_size_t n) {
  static_cast<std::string*>(png_get_io_ptr(png))->append(reinterpret_cast<const char*>(data), n);
}
extern "C" void png_flush_nothing(png_structp) {}

std::string write_png(PngSpec s) {
  std::string out;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png_create_info_struct(png);
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    ADD_FAILURE() << "libpng could not write the test image";
    return {};
  }
  png_set_write_fn(png, &out, png_write_to_string, png_flush_nothing);
  png_set_IHDR(png, info, s.width, s.height, s.depth, s.color,
               s.interlace ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);
  if (!s.palette.empty()) png_set_PLTE(png, info, s.palette.data(), static_cast<int>(s.palette.size()));
  if (!s.trans.empty()) png_set_tRNS(png, info, s.trans.data(), static_cast<int>(s.trans.size()), nullptr);
  png_write_info(png, info);
  if (s.interlace) png_set_interlace_handling(png);
  std::vector<png_bytep> rows;
  for (auto& r : s.rows) rows.push_back(reinterpret_cast<png_bytep>(&r[0]));
  png_write_image(png, rows.data());
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return out;
}

std::string encode(const cv::Mat& m, const char* ext, const std::vector<int>& params = {}) {
  std::vector<uchar> buf;
  EXPECT_TRUE(cv::imencode(ext, m, buf, params)) << ext;
  return std::string(buf.begin(), buf.end());
}

using test::noise;

// ---- expectations

// The bytes are refused with an input Error that names the source, on one line,
// and says `problem`.
void expect_refused(const std::string& bytes, const std::string& problem, int64_t max_pixels = kDefaultMaxPixels) {
  try {
    decode_image(bytes, "bad.img", max_pixels);
    ADD_FAILURE() << "accepted; expected: " << problem;
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_EQ(e.code(), ExitCode::input) << what;
    EXPECT_EQ(what.rfind("bad.img: ", 0), 0u) << what;
    EXPECT_EQ(what.find('\n'), std::string::npos) << what;
    EXPECT_NE(what.find(problem), std::string::npos) << what;
  }
}

// Decodes or refuses cleanly (input Error); anything else escapes and fails the test.
bool decodes_or_refuses(const std::string& bytes) {
  try {
    cv::Mat m = decode_image(bytes, "x.img", 1 << 22);
    EXPECT_EQ(m.type(), CV_8UC3);
    return true;
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::input) << e.what();
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
    return false;
  }
}

cv::Vec3b px(const cv::Mat& m, int y, int x) { return m.at<cv::Vec3b>(y, x); }

// Alpha over white, as load_image composites it.
uchar over_white(int c, int a) { return static_cast<uchar>((c * a + 255 * (255 - a) + 127) / 255); }

}  // namespace

// ---- valid but unusual images: the right pixels

TEST(HostileImages, GrayscaleIsExpandedToThreeEqualChannels) {
  cv::Mat gray = noise(5, 7, CV_8UC1, 1);
  for (const char* ext : {".png", ".bmp", ".tiff", ".pgm"}) {
    cv::Mat m = decode_image(encode(gray, ext), ext);
    ASSERT_EQ(m.size(), gray.size()) << ext;
    for (int y = 0; y < 5; ++y)
      for (int x = 0; x < 7; ++x) {
        const uchar g = gray.at<uchar>(y, x);
        ASSERT_EQ(px(m, y, x), cv::Vec3b(g, g, g)) << ext << " at " << x << "," << y;
      }
  }
  // Lossy, so against OpenCV's own decoding of the same bytes.
  const std::string jpg = encode(gray, ".jpg");
  cv::Mat expected;
  cv::cvtColor(cv::imdecode(std::vector<uchar>(jpg.begin(), jpg.end()), cv::IMREAD_GRAYSCALE), expected,
               cv::COLOR_GRAY2BGR);
  EXPECT_EQ(cv::norm(decode_image(jpg, "g.jpg"), expected, cv::NORM_INF), 0);
}

TEST(HostileImages, SixteenBitIsScaledToEightWithRounding) {
  cv::Mat deep = noise(4, 6, CV_16UC3, 2);
  deep.at<cv::Vec3w>(0, 0) = cv::Vec3w(0, 65535, 257 * 100 + 129);  // 100.502 rounds up
  for (const char* ext : {".png", ".tiff"}) {
    cv::Mat m = decode_image(encode(deep, ext), ext);
    for (int y = 0; y < 4; ++y)
      for (int x = 0; x < 6; ++x)
        for (int c = 0; c < 3; ++c)
          ASSERT_EQ(px(m, y, x)[c], static_cast<int>(std::lround(deep.at<cv::Vec3w>(y, x)[c] / 257.0)))
              << ext << " at " << x << "," << y << " channel " << c;
    EXPECT_EQ(px(m, 0, 0), cv::Vec3b(0, 255, 101)) << ext;
  }
  cv::Mat gray16 = noise(3, 3, CV_16UC1, 3);
  cv::Mat g = decode_image(encode(gray16, ".png"), "g16.png");
  const uchar v = static_cast<uchar>(std::lround(gray16.at<uint16_t>(2, 1) / 257.0));
  EXPECT_EQ(px(g, 2, 1), cv::Vec3b(v, v, v));
}

TEST(HostileImages, AlphaIsCompositedOnWhite) {
  cv::Mat rgba = noise(3, 4, CV_8UC4, 4);
  rgba.at<cv::Vec4b>(0, 0) = cv::Vec4b(10, 20, 30, 0);     // transparent: white
  rgba.at<cv::Vec4b>(0, 1) = cv::Vec4b(10, 20, 30, 255);   // opaque: itself
  for (const char* ext : {".png", ".tiff", ".webp"}) {
    const std::vector<int> lossless = {cv::IMWRITE_WEBP_QUALITY, 101};
    cv::Mat m = decode_image(encode(rgba, ext, std::string(ext) == ".webp" ? lossless : std::vector<int>{}), ext);
    EXPECT_EQ(px(m, 0, 0), cv::Vec3b(255, 255, 255)) << ext;
    EXPECT_EQ(px(m, 0, 1), cv::Vec3b(10, 20, 30)) << ext;
    for (int y = 0; y < 3; ++y)
      for (int x = 0; x < 4; ++x) {
        const cv::Vec4b s = rgba.at<cv::Vec4b>(y, x);
        ASSERT_EQ(px(m, y, x), cv::Vec3b(over_white(s[0], s[3]), over_white(s[1], s[3]), over_white(s[2], s[3])))
            << ext << " at " << x << "," << y;
      }
  }
  // 16-bit RGBA: scaled first, then composited.
  cv::Mat deep(1, 2, CV_16UC4);
  deep.at<cv::Vec4w>(0, 0) = cv::Vec4w(257 * 40, 257 * 80, 257 * 120, 257 * 128);
  deep.at<cv::Vec4w>(0, 1) = cv::Vec4w(0, 0, 0, 65535);
  cv::Mat m = decode_image(encode(deep, ".png"), "a16.png");
  EXPECT_EQ(px(m, 0, 0), cv::Vec3b(over_white(40, 128), over_white(80, 128), over_white(120, 128)));
  EXPECT_EQ(px(m, 0, 1), cv::Vec3b(0, 0, 0));
}

TEST(HostileImages, GrayWithAlphaBecomesGrayOverWhite) {
  PngSpec s;
  s.width = 2;
  s.height = 1;
  s.color = PNG_COLOR_TYPE_GRAY_ALPHA;
  s.rows = {std::string{char(100), char(255), char(100), char(0)}};
  cv::Mat m = decode_image(write_png(s), "ga.png");
  EXPECT_EQ(px(m, 0, 0), cv::Vec3b(100, 100, 100));
  EXPECT_EQ(px(m, 0, 1), cv::Vec3b(255, 255, 255));
}

TEST(HostileImages, PaletteImagesUseTheirColoursAndTransparency) {
  // 2-bit indices (four per byte), a palette of four colours, the second half transparent.
  PngSpec s;
  s.width = 4;
  s.height = 2;
  s.depth = 2;
  s.color = PNG_COLOR_TYPE_PALETTE;
  s.palette = {{200, 10, 20}, {0, 128, 255}, {7, 7, 7}, {90, 80, 70}};
  s.trans = {255, 255, 128, 0};
  s.rows = {std::string(1, static_cast<char>(0b00011011)), std::string(1, static_cast<char>(0b11100100))};
  cv::Mat m = decode_image(write_png(s), "palette.png");
  ASSERT_EQ(m.size(), cv::Size(4, 2));
  const int order[2][4] = {{0, 1, 2, 3}, {3, 2, 1, 0}};
  for (int y = 0; y < 2; ++y)
    for (int x = 0; x < 4; ++x) {
      const int i = order[y][x];
      const png_color c = s.palette[static_cast<size_t>(i)];
      const int a = s.trans[static_cast<size_t>(i)];
      EXPECT_EQ(px(m, y, x), cv::Vec3b(over_white(c.blue, a), over_white(c.green, a), over_white(c.red, a)))
          << "index " << i;
    }
  EXPECT_EQ(px(m, 0, 0), cv::Vec3b(20, 10, 200));   // opaque: BGR of the palette entry
  EXPECT_EQ(px(m, 0, 3), cv::Vec3b(255, 255, 255));  // fully transparent
}

TEST(HostileImages, InterlacedAndOneBitPngsDecodeLikeTheirPlainTwin) {
  PngSpec s;
  s.width = 9;
  s.height = 7;
  std::mt19937 rng(5);
  for (int y = 0; y < s.height; ++y) {
    std::string row;
    for (int i = 0; i < 3 * s.width; ++i) row += static_cast<char>(rng() & 0xff);
    s.rows.push_back(row);
  }
  const cv::Mat plain = decode_image(write_png(s), "plain.png");
  s.interlace = true;
  EXPECT_EQ(cv::norm(decode_image(write_png(s), "adam7.png"), plain, cv::NORM_INF), 0);
  // 1-bit gray: 0 is black, 1 is white.
  PngSpec bits;
  bits.width = 10;
  bits.height = 1;
  bits.depth = 1;
  bits.color = PNG_COLOR_TYPE_GRAY;
  bits.rows = {std::string{static_cast<char>(0b10100000), static_cast<char>(0b01000000)}};
  cv::Mat b = decode_image(write_png(bits), "1bit.png");
  const int expected[10] = {1, 0, 1, 0, 0, 0, 0, 0, 0, 1};
  for (int x = 0; x < 10; ++x) EXPECT_EQ(px(b, 0, x)[0], expected[x] ? 255 : 0) << x;
}

TEST(HostileImages, OnePixelImagesWorkAndPreprocessToTheModelSize) {
  cv::Mat one(1, 1, CV_8UC3, cv::Scalar(10, 20, 30));
  for (const char* ext : {".png", ".bmp", ".tiff", ".ppm"}) {
    cv::Mat m = decode_image(encode(one, ext), ext);
    ASSERT_EQ(m.size(), cv::Size(1, 1)) << ext;
    EXPECT_EQ(px(m, 0, 0), cv::Vec3b(10, 20, 30)) << ext;
  }
  Preprocess p;
  p.size = std::array<int, 2>{4, 3};
  p.mean = {0, 0, 0};
  p.std = {1, 1, 1};
  ImageTensor t = preprocess(decode_image(encode(one, ".png"), "one.png"), p);
  ASSERT_EQ(t.data.size(), 3u * 4 * 3);
  for (int i = 0; i < 12; ++i) {  // RGB planes, every pixel the one colour
    EXPECT_FLOAT_EQ(t.data[static_cast<size_t>(i)], 30.0f / 255.0f);
    EXPECT_FLOAT_EQ(t.data[static_cast<size_t>(24 + i)], 10.0f / 255.0f);
  }
}

TEST(HostileImages, JpegDecodesLikeOpenCV) {
  for (int progressive : {0, 1}) {
    const std::string jpg =
        encode(noise(17, 23, CV_8UC3, 6), ".jpg", {cv::IMWRITE_JPEG_PROGRESSIVE, progressive, cv::IMWRITE_JPEG_QUALITY, 70});
    cv::Mat expected = cv::imdecode(std::vector<uchar>(jpg.begin(), jpg.end()), cv::IMREAD_COLOR);
    EXPECT_EQ(cv::norm(decode_image(jpg, "x.jpg"), expected, cv::NORM_INF), 0) << "progressive " << progressive;
  }
}

// ---- the header says how big, before anything is decoded

TEST(HostileImages, HeadersGiveFormatAndSizeForEveryFormat) {
  cv::Mat img = noise(30, 20, CV_8UC3, 7);
  const std::vector<std::pair<const char*, const char*>> formats = {
      {".png", "PNG"}, {".jpg", "JPEG"}, {".bmp", "BMP"}, {".tiff", "TIFF"}, {".webp", "WebP"}, {".ppm", "PNM"}};
  for (const auto& [ext, name] : formats) {
    ImageHeader h = read_image_header(encode(img, ext), ext);
    EXPECT_EQ(h.format, name);
    EXPECT_EQ(h.width, 20) << ext;
    EXPECT_EQ(h.height, 30) << ext;
  }
  ImageHeader lossless = read_image_header(encode(img, ".webp", {cv::IMWRITE_WEBP_QUALITY, 101}), "l.webp");
  EXPECT_EQ(lossless.width, 20);
  EXPECT_EQ(lossless.height, 30);
  ImageHeader pgm = read_image_header("P2\n# a comment\n 7\t3\n255\n", "c.pgm");
  EXPECT_EQ(pgm.width, 7);
  EXPECT_EQ(pgm.height, 3);
}

TEST(HostileImages, OversizedImagesAreRefusedFromTheHeaderAlone) {
  // Headers only: no pixel data follows, so these can only be refused from the header.
  const std::string png = kPngSignature + png_ihdr(20000, 20000, 8, 2);
  expect_refused(png, "PNG image is 20000x20000 (400000000 pixels), more than the limit of 100000000 pixels");
  // The limit is overridable: then the (missing) data is what is wrong.
  expect_refused(png, "corrupt or truncated PNG", 500'000'000);
  expect_refused(png, "more than the limit of 1000 pixels", 1000);

  const std::string jpeg = std::string("\xFF\xD8\xFF\xC0\x00\x11\x08\xFF\xFF\xFF\xFF\x03", 12) +
                           std::string("\x01\x11\x00\x02\x11\x00\x03\x11\x00", 9) +  // components
                           std::string("\xFF\xDA\x00\x0C\x03\x01\x00\x02\x11\x03\x11\x00\x3F\x00", 14) +
                           std::string("\xFF\xD9", 2);
  expect_refused(jpeg, "JPEG image is 65535x65535");
  const std::string bmp = "BM" + std::string(12, '\0') + le32(40) + le32(200000) + le32(static_cast<uint32_t>(-100000));
  expect_refused(bmp, "BMP image is 200000x100000");
  const std::string tiff = std::string("II*\0", 4) + le32(8) + le16(2) + le16(256) + le16(4) + le32(1) + le32(70000) +
                           le16(257) + le16(4) + le32(1) + le32(70000) + le32(0);
  expect_refused(tiff, "TIFF image is 70000x70000");
  const std::string webp = "RIFF" + le32(100) + "WEBPVP8X" + le32(10) + std::string(4, '\0') +
                           std::string("\xFF\xFF\xFF\xFF\xFF\xFF", 6);
  expect_refused(webp, "WebP image is 16777216x16777216");
  expect_refused("P6\n100000 100000\n255\n", "PNM image is 100000x100000");
  // 32-bit sizes at their extreme do not overflow the pixel count.
  expect_refused(kPngSignature + png_ihdr(0xFFFFFFFFu, 0xFFFFFFFFu, 8, 2), "more than the limit");
}

// A real decompression bomb (a small file of 12000x12000 zeros), in a child process whose
// address space is too small for its pixels: it is refused with the limit message, which
// it could not be if the pixels were decoded first.
TEST(HostileImages, ADecompressionBombIsRefusedWithoutAllocatingItsPixels) {
  const uint32_t side = 12000;
  std::string raw(static_cast<size_t>(side) * (side + 1), '\0');
  uLongf n = compressBound(static_cast<uLong>(raw.size()));
  std::string z(n, '\0');
  ASSERT_EQ(compress2(reinterpret_cast<Bytef*>(&z[0]), &n, reinterpret_cast<const Bytef*>(raw.data()),
                      static_cast<uLong>(raw.size()), 9),
            Z_OK);
  z.resize(n);
  raw = std::string();
  const std::string bomb = kPngSignature + png_ihdr(side, side, 8, 0) + png_chunk("IDAT", z) + png_chunk("IEND", "");
  ASSERT_LT(bomb.size(), 1u << 20);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    // Room for what is mapped now plus 64 MB: far less than the 144 MB of pixels.
    std::ifstream statm("/proc/self/statm");
    unsigned long pages = 0;
    statm >> pages;
    const rlim_t limit = static_cast<rlim_t>(pages) * static_cast<rlim_t>(sysconf(_SC_PAGESIZE)) + (64u << 20);
    struct rlimit rl {limit, limit};
    setrlimit(RLIMIT_AS, &rl);
    try {
      decode_image(bomb, "bomb.png");
      _exit(2);
    } catch (const Error& e) {
      _exit(std::string(e.what()).find("more than the limit of 100000000 pixels") != std::string::npos ? 0 : 3);
    } catch (...) {
      _exit(4);
    }
  }
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status)) << "the child died of signal " << WTERMSIG(status);
  EXPECT_EQ(WEXITSTATUS(status), 0) << "2: accepted, 3: another error, 4: not an attnviz::Error";
}

// ---- broken files: one-line input errors, never a crash or a foreign exception

TEST(HostileImages, EmptyTextAndForeignFilesAreNamedForWhatTheyAre) {
  expect_refused("", "empty file");
  expect_refused("this is not a JPEG\n", "not an image");
  expect_refused(std::string("\x89PNG", 4), "not an image");
  expect_refused("GIF89a\x01\x00\x01\x00", "GIF images are not supported");
  expect_refused("\x76\x2f\x31\x01\x02\x00\x00\x00", "OpenEXR images are not supported");
  expect_refused("#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y 2 +X 2\n", "Radiance HDR images are not supported");
  expect_refused("PF\n2 2\n-1\n", "PFM images are not supported");
  expect_refused(std::string("\x00\x00\x00\x0CjP  \r\n\x87\n", 12), "JPEG 2000 images are not supported");
  expect_refused(std::string(128, '\0') + "DICM", "DICOM images are not supported");
}

TEST(HostileImages, TruncatedAndCorruptPngAndJpegAreErrors) {
  const std::string png = encode(noise(20, 20, CV_8UC3, 8), ".png");
  expect_refused(png.substr(0, png.size() / 2), "corrupt or truncated PNG");
  expect_refused(png.substr(0, png.size() - 12), "corrupt or truncated PNG");  // no IEND
  std::string flipped = png;
  flipped[png.size() / 2] ^= 0x55;  // inside IDAT: the CRC no longer matches
  expect_refused(flipped, "corrupt or truncated PNG");
  expect_refused(png.substr(0, 20), "corrupt PNG (truncated or missing IHDR header)");

  const std::string jpg = encode(noise(20, 20, CV_8UC3, 9), ".jpg");
  expect_refused(jpg.substr(0, jpg.size() / 2), "corrupt JPEG (truncated: no end-of-image marker)");
  expect_refused(jpg.substr(0, 40), "corrupt JPEG");
  // The frame header claims 4 components that the scan does not have.
  std::string bad_frame = jpg;
  const size_t sof = bad_frame.find("\xFF\xC0");
  ASSERT_NE(sof, std::string::npos);
  bad_frame[sof + 9] = 4;
  expect_refused(bad_frame, "corrupt or truncated JPEG");
  // Entropy-coded data cut short: libjpeg would pad it with grey; it is an error.
  std::string short_scan = jpg.substr(0, jpg.size() - 60) + "\xFF\xD9";
  expect_refused(short_scan, "corrupt or truncated JPEG");
}

TEST(HostileImages, EveryTruncationOfEveryFormatIsACleanError) {
  cv::Mat img = noise(6, 5, CV_8UC3, 10);
  for (const char* ext : {".png", ".jpg", ".bmp", ".tiff", ".webp", ".ppm"}) {
    const std::string bytes = encode(img, ext);
    ASSERT_TRUE(decodes_or_refuses(bytes)) << ext;
    int accepted = 0;
    for (size_t n = 0; n < bytes.size(); ++n) accepted += decodes_or_refuses(bytes.substr(0, n));
    // Only BMP/TIFF/PNM may lose trailing padding or metadata and still be whole.
    if (std::string(ext) == ".png" || std::string(ext) == ".jpg" || std::string(ext) == ".webp")
      EXPECT_EQ(accepted, 0) << ext << ": a truncated file was accepted";
  }
}

TEST(HostileImages, RandomCorruptionNeverEscapesAsAnythingButAnInputError) {
  std::mt19937 rng(12);
  cv::Mat img = noise(9, 8, CV_8UC3, 11);
  for (const char* ext : {".png", ".jpg", ".bmp", ".tiff", ".webp", ".ppm"}) {
    const std::string bytes = encode(img, ext);
    for (int k = 0; k < 300; ++k) {
      std::string b = bytes;
      const int flips = 1 + static_cast<int>(rng() % 4);
      for (int f = 0; f < flips; ++f) b[rng() % b.size()] = static_cast<char>(rng() & 0xff);
      decodes_or_refuses(b);
    }
  }
}

TEST(HostileImages, DirectoriesDevicesAndMissingFilesAreNamed) {
  test::TempDir dir("hostile-load");
  auto refused = [](const std::string& path, const std::string& problem) {
    try {
      load_image(path);
      ADD_FAILURE() << path << " accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ExitCode::input);
      EXPECT_EQ(std::string(e.what()), path + ": " + problem);
    }
  };
  refused(dir.path(), "is a directory, not an image");
  refused("/dev/zero", "not a regular file (a device, FIFO or socket), not an image");
  refused(dir.file("missing.png"), "no such file");
  ASSERT_EQ(mkfifo(dir.file("fifo").c_str(), 0644), 0);
  refused(dir.file("fifo"), "not a regular file (a device, FIFO or socket), not an image");
  test::write_text(dir.file("empty.png"), "");
  refused(dir.file("empty.png"), "empty file, not an image");
}

// ---- command-line specs

namespace {

std::vector<int> parse_layer_spec(const std::string& spec, int layer_count) {
  return LayerSelection::parse(spec).resolve(layer_count);
}

}  // namespace

TEST(HostileSpecs, LayerSpecsRefuseJunkOnOneLine) {
  for (const char* bad : {"1,,2", "a-b", "99", "-100", ",", " , ", "1-", "-", "1---2", "0x1", "1e3",
                          "999999999999999", "1-999999999999", "+", "all,1", "1\n2"}) {
    try {
      parse_layer_spec(bad, 24);
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const Error& e) {
      const std::string what = e.describe([](const std::string& key) { return "--" + key; });
      EXPECT_EQ(e.code(), ExitCode::usage) << what;
      EXPECT_EQ(what.rfind("--layers '", 0), 0u) << what;
      EXPECT_EQ(what.find('\n'), std::string::npos) << what;
    }
  }
  EXPECT_EQ(parse_layer_spec("23,-24", 24), (std::vector<int>{23, 0}));
  EXPECT_EQ(parse_layer_spec("1--22", 24), (std::vector<int>{1, 2}));  // 1 to the 22nd from the end
  EXPECT_THROW(parse_layer_spec("0", 0), Error);
}

TEST(HostileSpecs, ErrorMessagesEscapeControlCharacters) {
  try {
    parse_layer_spec("1\n\x1b[31m2", 24);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'1\\n\\x1b[31m2'"), std::string::npos) << e.what();
  }
  EXPECT_STREQ(Error(ExitCode::input, "a\tb\rc\x7f").what(), "a\\tb\\rc\\x7f");
  EXPECT_STREQ(Error(ExitCode::input, "caf\xc3\xa9 \xe2\x80\x9cok\xe2\x80\x9d").what(), "caf\xc3\xa9 \xe2\x80\x9cok\xe2\x80\x9d");
}

TEST(HostileSpecs, QueryAndTokenSpansAreWholeInRangeNumbers) {
  EXPECT_EQ(parse_query("-2:-1").first, -2);
  EXPECT_EQ(parse_query("+3").last, 3);
  // Out of int range used to wrap around ("4294967295" was row -1).
  for (const char* bad : {"4294967295", "2147483648", "1:4294967296", "1:", ":1", "1:2:3", " 3", "3 ", "0x3", "", "-"})
    EXPECT_THROW(parse_query(bad), Error) << "'" << bad << "'";
  EXPECT_EQ(parse_query("-2147483648").first, INT_MIN);
  SequenceLayout s;
  s.tq = 5;
  EXPECT_THROW(query_rows(parse_query("-2147483648"), s), Error);  // no overflow: just outside

  const StackLayout t = parse_image_tokens("1:14x14");
  ASSERT_EQ(t.segments.size(), 2u);
  EXPECT_EQ(t.segments[0].count, 1);  // the prefix
  EXPECT_EQ(t.segments[1].grid_h * t.segments[1].grid_w, 196);
  for (const char* bad : {"0:100000x100000", "0:1000x1001", "0:65536x65536", "-1:2x2", "1:0x4", "1:4x", "1:4x4x4",
                          "1:4x4 ", "4x4", "1:4294967297x1", ""})
    EXPECT_THROW(parse_image_tokens(bad), Error) << "'" << bad << "'";
  EXPECT_EQ(parse_image_tokens("0:1000x1000").segments.at(0).grid_w, 1000);
  for (const char* bad : {"", "text", "text:x", "image:4", "image:0x4", "prefix:rest", "pixels:4", "text:2,,image:2x2"})
    EXPECT_THROW(parse_layout(bad), Error) << "'" << bad << "'";
}

TEST(HostileSpecs, HeadFusionAndIntListsRefuseJunk) {
  for (const char* bad : {"-1", "avg", "", "1e3", "9999999", "mean ", "MAX"}) EXPECT_THROW(parse_head_fusion(bad), Error) << bad;
  EXPECT_EQ(parse_head_fusion("999999").head, 999999);
  for (const char* bad : {"", ",", "8,", "0", "-8", "100000001", "99999999999999", "8;16"})
    EXPECT_THROW(parse_int_list(bad, "budgets"), Error) << bad;
}

// ---- metadata and .npy

TEST(HostileMetadata, HugeGridsAreModelErrorsNotOverflows) {
  auto refused = [](const std::string& doc, const std::string& problem) {
    try {
      parse_metadata(doc, "m.pt");
      ADD_FAILURE() << "accepted " << doc;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ExitCode::model);
      EXPECT_NE(std::string(e.what()).find(problem), std::string::npos) << e.what();
    }
  };
  const std::string head = R"({"format": "attnviz", "version": 1, )";
  refused(head + R"("budgets": {"grids": {"16": [1000000, 1000000]}}})",
          "budgets.grids.16: grid 1000000x1000000 has 1000000000000 tokens, not 16");
  refused(head + R"("stacks": {"lm": {"image_tokens": {"grid": [1000000, 1000000]}}}})",
          "stacks.lm.image_tokens.grid: more than 1000000 image tokens");
  refused(head + R"("budgets": {"grids": {"99999999999": [1, 1]}}})", "is not a positive integer");
  refused(head + R"("version": 18446744073709551615})", "version");
  refused(head + R"("tokenizer": {"type": "words", "vocab": ["a"], "unk": "b"}})", "not in the vocabulary");
  refused(std::string(100000, '['), "not valid JSON");
}

TEST(HostileNpy, ShapesThatOverflowOrDisagreeWithTheDataAreInputErrors) {
  auto npy = [](const std::string& shape, const std::string& data) {
    std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + shape + "), }";
    header.append((64 - (10 + header.size() + 1) % 64) % 64, ' ');
    header += '\n';
    return std::string("\x93NUMPY\x01\x00", 8) + le16(static_cast<uint32_t>(header.size())) + header + data;
  };
  EXPECT_EQ(decode_npy(npy("2, 1", std::string(8, '\0')), "ok.npy").f32.size(), 2u);
  EXPECT_EQ(decode_npy(npy("0,", ""), "empty.npy").f32.size(), 0u);
  for (const std::string& shape : {std::string("1099511627776, 1099511627776"), std::string("4294967296, 4294967296, 16"),
                                   std::string("3,"), std::string("-1,")}) {
    try {
      decode_npy(npy(shape, std::string(8, '\0')), "bad.npy");
      ADD_FAILURE() << shape;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ExitCode::input);
      EXPECT_EQ(std::string(e.what()).rfind("bad.npy: ", 0), 0u) << e.what();
    }
  }
}

TEST(HostileSnapshots, DriftLinesStayOneLineWhateverTheKeys) {
  // Found by fuzz_snapshot_diff: a JSON key with a newline made a drift two lines.
  const nlohmann::json expected = nlohmann::json::parse(R"({"a\nb": 1, "c\u001b[2J": "x", "layers": [{"n\r": 0.5}]})");
  const nlohmann::json actual = nlohmann::json::parse(R"({"a\nb": 2, "layers": [{"n\r": 0.7}], "new\nkey": null})");
  const DiffReport report = diff_json(expected, actual, "s.json", DiffOptions{});
  ASSERT_EQ(report.drifts.size(), 4u);
  for (const auto& d : report.drifts) {
    const std::string line = d.str();
    EXPECT_EQ(line.find_first_of("\n\r\x1b"), std::string::npos) << line;
  }
  EXPECT_EQ(report.drifts[0].str().rfind("s.json: a\\nb: ", 0), 0u) << report.drifts[0].str();
  EXPECT_TRUE(diff_json(expected, expected, "s.json", DiffOptions{}).ok());
}

TEST(HostileSnapshots, LongValuesAreCutBetweenCharactersNotInsideThem) {
  // Found by fuzz_snapshot_diff: a value shortened inside a UTF-8 sequence made the JSON
  // report throw when dumped. Every cut position of a run of two-byte characters:
  for (int pad = 0; pad < 4; ++pad) {
    const nlohmann::json expected = {{"v", std::string(static_cast<size_t>(pad), 'x') + std::string(40, '\0') }};
    std::string cyrillic;
    for (int i = 0; i < 40; ++i) cyrillic += "\xd0\x96";
    const nlohmann::json actual = {{"v", std::string(static_cast<size_t>(pad), 'x') + cyrillic}};
    const DiffOptions options;
    const DiffReport report = diff_json(expected, actual, "s.json", options);
    ASSERT_EQ(report.drifts.size(), 1u);
    EXPECT_NO_THROW((void)report.to_json(options).dump()) << report.drifts[0].str();
  }
}

// ---- writing: a write error is an error, and leaves nothing behind

TEST(HostileDisk, AWriteErrorIsAnOutputErrorAndLeavesNoTemporary) {
  test::TempDir dir("hostile-write");
  const std::string target = dir.file("big.bin");
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    signal(SIGXFSZ, SIG_IGN);  // the write fails with EFBIG instead of killing us
    struct rlimit rl {4096, 4096};
    setrlimit(RLIMIT_FSIZE, &rl);
    try {
      write_file_atomic(target, std::string(100000, 'x'));
      _exit(2);
    } catch (const Error& e) {
      const std::string what = e.what();
      _exit(e.code() == ExitCode::output && what.rfind(target + ": cannot write", 0) == 0 ? 0 : 3);
    }
  }
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "2: the write succeeded, 3: another error";
  EXPECT_TRUE(dir.list().empty()) << "left behind: " << (dir.list().empty() ? "" : dir.list()[0]);
}
