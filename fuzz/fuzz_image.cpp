// Image files through the preprocessing entry point: decode_image (header sniffing, the
// pixel limit, PNG/JPEG via libpng/libjpeg, the rest via OpenCV) and preprocess. The
// first two bytes choose the model input size (or the image's own) and the channel
// order. A bad file must be an input Error naming the source; anything else escaping, a
// crash, or an image over the limit getting through is a finding.
#include <cmath>
#include <cstdint>
#include <string>

#include "attnviz/error.h"
#include "attnviz/image.h"
#include "fuzz_check.h"

using namespace attnviz;
using attnviz::fuzz::check;

namespace {

constexpr int64_t kMaxPixels = 1 << 20;  // keeps each run fast; the check is the same

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  Preprocess p;
  if (data[0] & 0x80) p.size = std::array<int, 2>{1 + (data[0] & 0x3F), 1 + (data[1] & 0x3F)};
  p.bgr = data[1] & 0x80;
  const std::string bytes(reinterpret_cast<const char*>(data + 2), size - 2);
  cv::Mat image;
  try {
    image = decode_image(bytes, "fuzz.img", kMaxPixels);
  } catch (const Error& e) {
    const std::string message = e.what();
    check(e.code() == ExitCode::input && message.rfind("fuzz.img: ", 0) == 0 &&
          message.find('\n') == std::string::npos);
    return 0;
  }
  check(image.type() == CV_8UC3 && image.rows > 0 && image.cols > 0);
  check(static_cast<int64_t>(image.rows) * image.cols <= kMaxPixels);
  // The header agrees with what was decoded.
  const ImageHeader h = read_image_header(bytes, "fuzz.img", kMaxPixels);
  check(h.width == image.cols && h.height == image.rows);
  // A large own-size input would only make the fuzzer slow, not find more.
  if (!p.size && static_cast<int64_t>(image.rows) * image.cols > 64 * 64) return 0;
  const ImageTensor t = preprocess(image, p);
  check(t.channels == 3);
  check(t.height == (p.size ? (*p.size)[0] : image.rows) && t.width == (p.size ? (*p.size)[1] : image.cols));
  check(t.data.size() == static_cast<size_t>(3) * t.height * t.width);
  for (float v : t.data) check(std::isfinite(v));
  return 0;
}
