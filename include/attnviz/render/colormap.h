#pragma once
// Colour maps for heat maps and matrices (OpenCV's).
#include <string>
#include <vector>

#include <opencv2/core.hpp>

namespace attnviz {

// viridis (default), jet, magma, inferno, plasma, turbo, hot, bone, gray, ...
// Throws a usage Error about option "colormap" for an unknown name.
int parse_colormap(const std::string& name);  // an OpenCV ColormapTypes value
std::vector<std::string> colormap_names();
std::string colormap_name(int colormap);  // the name parse_colormap takes for it

// Values in [0,1] (CV_32F, 1 channel) to BGR through the colormap.
cv::Mat colorize(const cv::Mat& unit, int colormap);

}  // namespace attnviz
