#include <map>

#include <opencv2/imgproc.hpp>

#include "attnviz/error.h"
#include "attnviz/render.h"

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

int parse_colormap(const std::string& name) {
  auto it = colormaps().find(name);
  if (it == colormaps().end()) {
    std::string valid;
    for (const auto& n : colormap_names()) valid += (valid.empty() ? "" : ", ") + n;
    fail_usage("--colormap '" + name + "': unknown colormap (" + valid + ")");
  }
  return it->second;
}

cv::Mat colorize(const cv::Mat& unit, int colormap) {
  cv::Mat u8;
  unit.convertTo(u8, CV_8U, 255.0);
  cv::Mat out;
  if (colormap < 0) {
    cv::cvtColor(u8, out, cv::COLOR_GRAY2BGR);
  } else {
    cv::applyColorMap(u8, out, colormap);
  }
  return out;
}

}  // namespace attnviz
