#include "text.h"

#include <sys/stat.h>

#include <cstdlib>
#include <map>
#include <memory>
#include <tuple>

#include <opencv2/freetype.hpp>
#include <opencv2/imgproc.hpp>

namespace attnviz::render {
namespace {

bool exists(const std::string& p) {
  struct stat st {};
  return stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string font_path(bool bold) {
  if (const char* env = std::getenv(bold ? "ATTNVIZ_FONT_BOLD" : "ATTNVIZ_FONT"))
    if (exists(env)) return env;
  const std::string p = bold ? "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
                             : "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
  return exists(p) ? p : std::string();
}

// One FreeType face per thread: cv::freetype objects are not thread-safe.
cv::freetype::FreeType2* face(bool bold) {
  thread_local std::unique_ptr<cv::Ptr<cv::freetype::FreeType2>> faces[2];
  auto& slot = faces[bold ? 1 : 0];
  if (!slot) {
    slot = std::make_unique<cv::Ptr<cv::freetype::FreeType2>>();
    std::string path = font_path(bold);
    if (!path.empty()) {
      try {
        auto ft = cv::freetype::createFreeType2();
        ft->loadFontData(path, 0);
        *slot = ft;
      } catch (const cv::Exception&) {
      }
    }
  }
  return slot->get();
}

double hershey_scale(int height) { return height / 22.0; }

}  // namespace

cv::Size text_size(const std::string& text, int height, bool bold) {
  // FreeType loads and hints every glyph to measure, fit_text and draw_text both measure,
  // and titles repeat from image to image ("layer 5"): sizes are kept per thread.
  thread_local std::map<std::tuple<std::string, int, bool>, cv::Size> measured;
  auto key = std::make_tuple(text, height, bold);
  auto it = measured.find(key);
  if (it != measured.end()) return it->second;
  int baseline = 0;
  cv::Size size = face(bold) ? face(bold)->getTextSize(text, height, -1, &baseline)
                             : cv::getTextSize(text, cv::FONT_HERSHEY_SIMPLEX, hershey_scale(height), bold ? 2 : 1,
                                               &baseline);
  if (measured.size() > 4096) measured.clear();
  measured.emplace(std::move(key), size);
  return size;
}

void draw_text(cv::Mat& img, const std::string& text, cv::Point at, int height, const cv::Scalar& color,
               Align align, bool bold) {
  if (text.empty()) return;
  cv::Size size = text_size(text, height, bold);
  if (align == Align::center) at.x -= size.width / 2;
  if (align == Align::right) at.x -= size.width;
  if (auto* ft = face(bold)) {
    // FreeType places the baseline at org.y + height when bottomLeftOrigin is false.
    ft->putText(img, text, at, height, color, -1, cv::LINE_AA, false);
  } else {
    cv::putText(img, text, {at.x, at.y + size.height}, cv::FONT_HERSHEY_SIMPLEX, hershey_scale(height), color,
                bold ? 2 : 1, cv::LINE_AA);
  }
}

std::string fit_text(const std::string& text, int height, int max_width, bool bold) {
  if (text_size(text, height, bold).width <= max_width) return text;
  std::string t = text;
  while (!t.empty() && text_size(t + "…", height, bold).width > max_width) {
    // Drop one whole UTF-8 character: its continuation bytes, then its lead byte.
    while (!t.empty() && (static_cast<unsigned char>(t.back()) & 0xC0) == 0x80) t.pop_back();
    if (!t.empty()) t.pop_back();
  }
  return t + "…";
}

}  // namespace attnviz::render
