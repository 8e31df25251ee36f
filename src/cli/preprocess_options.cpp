#include "preprocess_options.h"

#include <cstdio>

#include "attnviz/error.h"

namespace attnviz::cli {
namespace {

std::array<double, 3> parse_triple(const std::string& text, const char* what, bool positive) {
  std::array<double, 3> v{};
  char tail = 0;
  if (std::sscanf(text.c_str(), "%lf,%lf,%lf%c", &v[0], &v[1], &v[2], &tail) != 3)
    fail_usage(std::string(what) + " '" + text + "': expected three numbers r,g,b");
  for (double x : v)
    if (positive && !(x > 0)) fail_usage(std::string(what) + " '" + text + "': values must be > 0");
  return v;
}

std::optional<bool> parse_switch(const std::string& text) {
  if (text == "on") return true;
  if (text == "off") return false;
  return std::nullopt;
}

template <typename T>
T parse_choice(const std::string& text, const char* flag, std::optional<T> (*parse)(const std::string&),
               const char* choices) {
  auto value = parse(text);
  if (!value) fail_usage(std::string(flag) + " '" + text + "': expected " + choices);
  return *value;
}

}  // namespace

void PreprocessArgs::add_to(CLI::App& cmd) {
  cmd.add_option("--size", size, "Model input size HxW (default: the metadata's, else the image's own size)");
  cmd.add_option("--mean", mean, "Normalisation mean r,g,b (default: metadata, else ImageNet 0.485,0.456,0.406)");
  cmd.add_option("--std", std, "Normalisation std r,g,b (default: metadata, else ImageNet 0.229,0.224,0.225)");
  cmd.add_flag("--bgr", bgr, "Feed channels in BGR order (default: metadata, else RGB)");
  cmd.add_option("--resize", resize,
                 "squash: straight to --size; crop: shorter side to the size, then the centre "
                 "(torchvision Resize + CenterCrop) (default: metadata, else squash)");
  cmd.add_option("--interpolation", interpolation, "bilinear, bicubic or nearest (default: metadata, else bilinear)");
  cmd.add_option("--antialias", antialias,
                 "on: resample as PIL's Image.resize (torchvision on PIL images); off: as torch's "
                 "interpolate without antialias (default: metadata, else on)");
  cmd.add_option("--threads", threads, "Intra-op threads per job (0: the cores left per job, see --jobs)")
      ->capture_default_str()
      ->check(CLI::Range(0, 1024));
  cmd.add_option("--device", device, "cpu or cuda")->capture_default_str();
}

PreprocessOverride PreprocessArgs::override() const {
  PreprocessOverride p;
  if (!size.empty()) {
    int h = 0, w = 0;
    char tail = 0;
    if (std::sscanf(size.c_str(), "%dx%d%c", &h, &w, &tail) != 2 || h <= 0 || w <= 0 || h > 65536 || w > 65536)
      fail_usage("--size '" + size + "': expected HxW, e.g. 224x224");
    p.size = std::array<int, 2>{h, w};
  }
  if (!mean.empty()) p.mean = parse_triple(mean, "--mean", false);
  if (!std.empty()) p.std = parse_triple(std, "--std", true);
  if (!resize.empty()) p.resize = parse_choice(resize, "--resize", parse_resize_mode, resize_mode_choices());
  if (!interpolation.empty())
    p.interpolation = parse_choice(interpolation, "--interpolation", parse_interpolation, interpolation_choices());
  if (!antialias.empty()) p.antialias = parse_choice(antialias, "--antialias", parse_switch, "on or off");
  p.bgr = bgr;
  return p;
}

}  // namespace attnviz::cli
