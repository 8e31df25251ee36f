#include <map>

#include <opencv2/imgproc.hpp>

#include "attnviz/error.h"
#include "attnviz/figure.h"
#include "attnviz/render/colormap.h"

namespace attnviz {
namespace {

const std::map<std::string, int>& colormaps() {
  static const std::map<std::string, int> maps = {
      {"viridis", cv::COLORMAP_VIRIDIS}, {"jet", cv::COLORMAP_JET},
      {"magma", cv::COLORMAP_MAGMA},     {"inferno", cv::COLORMAP_INFERNO},
      {"plasma", cv::COLORMAP_PLASMA},   {"turbo", cv::COLORMAP_TURBO},
      {"hot", cv::COLORMAP_HOT},         {"bone", cv::COLORMAP_BONE},
      {"cividis", cv::COLORMAP_CIVIDIS}, {"twilight", cv::COLORMAP_TWILIGHT},
      {"parula", cv::COLORMAP_PARULA},   {"ocean", cv::COLORMAP_OCEAN},
      {"gray", -1},
  };
  return maps;
}

}  // namespace

std::vector<std::string> colormap_names() {
  std::vector<std::string> names;
  for (const auto& [name, id] : colormaps()) names.push_back(name);
  return names;
}

static_assert(cv::COLORMAP_VIRIDIS == kViridis, "figure.h's default colormap is viridis");

std::string colormap_name(int colormap) {
  for (const auto& [name, id] : colormaps())
    if (id == colormap) return name;
  return "";
}

int parse_colormap(const std::string& name) {
  auto it = colormaps().find(name);
  if (it == colormaps().end()) {
    std::string valid;
    for (const auto& n : colormap_names()) valid += (valid.empty() ? "" : ", ") + n;
    fail_option("colormap", " '" + name + "': unknown colormap (" + valid + ")");
  }
  return it->second;
}

namespace {

// applyColorMap builds its 256-entry table and expands the image to three channels on
// every call (bench/README.md, "What was optimised"); the table is made once per thread
// here, by applyColorMap itself on a ramp, so the colours are exactly its colours.
const cv::Vec3b* colormap_table(int colormap) {
  thread_local std::map<int, cv::Mat> tables;
  auto it = tables.find(colormap);
  if (it == tables.end()) {
    cv::Mat ramp(256, 1, CV_8U), bgr;
    for (int i = 0; i < 256; ++i) ramp.at<uchar>(i) = static_cast<uchar>(i);
    cv::applyColorMap(ramp, bgr, colormap);
    it = tables.emplace(colormap, bgr).first;
  }
  return it->second.ptr<cv::Vec3b>();
}

}  // namespace

cv::Mat colorize(const cv::Mat& unit, int colormap) {
  cv::Mat u8;
  unit.convertTo(u8, CV_8U, 255.0);
  cv::Mat out;
  if (colormap < 0) {
    cv::cvtColor(u8, out, cv::COLOR_GRAY2BGR);
    return out;
  }
  const cv::Vec3b* table = colormap_table(colormap);
  out.create(u8.size(), CV_8UC3);
  for (int y = 0; y < u8.rows; ++y) {
    const uchar* in = u8.ptr<uchar>(y);
    cv::Vec3b* row = out.ptr<cv::Vec3b>(y);
    for (int x = 0; x < u8.cols; ++x) row[x] = table[in[x]];
  }
  return out;
}

}  // namespace attnviz
