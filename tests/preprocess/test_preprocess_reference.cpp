// attnviz's preprocessing against torchvision's (references by
// tests/fixtures/make_preprocess_refs.py): squash and crop, bilinear, bicubic and nearest,
// with antialias (PIL images) and without (tensors), up- and downscaling, odd sizes.
//
// Tolerance: 1 level of 8 bits on the resized pixels, so 1/255/std on the normalised
// tensor (plus float rounding).
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "attnviz/error.h"
#include "attnviz/image.h"
#include "attnviz/npy.h"

namespace attnviz {
namespace {

using nlohmann::json;

std::string refs_dir() {
  const char* env = std::getenv("ATTNVIZ_PREPROCESS_REFS");
  return env ? env : ATTNVIZ_PREPROCESS_REFS;
}

json load_refs() {
  std::ifstream in(refs_dir() + "/refs.json");
  if (!in) return json();
  return json::parse(in);
}

Preprocess settings_of(const json& c) {
  Preprocess p;
  p.size = std::array<int, 2>{c["size"][0].get<int>(), c["size"][1].get<int>()};
  p.resize = *parse_resize_mode(c["resize"].get<std::string>());
  p.interpolation = *parse_interpolation(c["interpolation"].get<std::string>());
  p.antialias = c["antialias"].get<bool>();
  p.bgr = c["channel_order"] == "BGR";
  for (int i = 0; i < 3; ++i) {
    p.mean[i] = c["mean"][i].get<double>();
    p.std[i] = c["std"][i].get<double>();
  }
  return p;
}

// Largest |ours - reference| over the resized RGB pixels (ours are BGR).
int max_level_difference(const cv::Mat& bgr, const NpyArray& rgb, int* differing) {
  int worst = 0;
  *differing = 0;
  for (int y = 0; y < bgr.rows; ++y)
    for (int x = 0; x < bgr.cols; ++x)
      for (int c = 0; c < 3; ++c) {
        const float ref = rgb.f32[(static_cast<size_t>(y) * bgr.cols + x) * 3 + c];
        const int d = std::abs(bgr.at<cv::Vec3b>(y, x)[2 - c] - static_cast<int>(ref));
        worst = std::max(worst, d);
        *differing += d != 0;
      }
  return worst;
}

// Largest |ours - reference| on the tensor, in units of its tolerance (1/255/std).
double tensor_error_in_levels(const ImageTensor& t, const NpyArray& ref, const Preprocess& p) {
  double worst = 0;
  const size_t plane = static_cast<size_t>(t.height) * t.width;
  for (size_t i = 0; i < t.data.size(); ++i) {
    const double level = 1.0 / 255.0 / p.std[i / plane];
    worst = std::max(worst, std::fabs(t.data[i] - ref.f32[i]) / level);
  }
  return worst;
}

class PreprocessReference : public ::testing::Test {
 protected:
  void SetUp() override {
    refs_ = load_refs();
    if (refs_.is_null()) GTEST_SKIP() << "no references in " << refs_dir() << " (run make_preprocess_refs)";
  }
  json refs_;
};

TEST_F(PreprocessReference, MatchesTorchvisionWithinOneLevel) {
  struct Tally {
    int cases = 0, worst = 0;
    long differing = 0, values = 0;
  };
  std::map<std::string, Tally> by_kind;
  for (const auto& c : refs_["cases"]) {
    SCOPED_TRACE(c["name"].get<std::string>());
    const Preprocess p = settings_of(c);
    const cv::Mat image = load_image(refs_dir() + "/" + c["image"].get<std::string>());
    const cv::Mat pixels = resize_for_model(image, p);
    const NpyArray ref_pixels = read_npy(refs_dir() + "/" + c["pixels"].get<std::string>());
    ASSERT_EQ(pixels.rows, ref_pixels.shape[0]);
    ASSERT_EQ(pixels.cols, ref_pixels.shape[1]);
    int differing = 0;
    EXPECT_LE(max_level_difference(pixels, ref_pixels, &differing), 1);

    const ImageTensor t = preprocess(image, p);
    const NpyArray ref_tensor = read_npy(refs_dir() + "/" + c["tensor"].get<std::string>());
    ASSERT_EQ(ref_tensor.shape, (std::vector<int64_t>{3, t.height, t.width}));
    EXPECT_LE(tensor_error_in_levels(t, ref_tensor, p), 1.0 + 1e-3);

    Tally& k = by_kind[c["interpolation"].get<std::string>() + (p.antialias ? " antialias" : " no antialias")];
    ++k.cases;
    k.worst = std::max(k.worst, max_level_difference(pixels, ref_pixels, &differing));
    k.differing += differing;
    k.values += static_cast<long>(pixels.total()) * 3;
  }
  EXPECT_EQ(by_kind.size(), 6u) << "every interpolation, with and without antialias";
  for (const auto& [kind, k] : by_kind)
    std::printf("%-24s %3d cases: worst %d level(s), %ld of %ld values differ\n", kind.c_str(), k.cases, k.worst,
                k.differing, k.values);
}

// The comparison above is not vacuous: shrinking noise by 7.5x with and without
// antialiasing gives very different pixels.
TEST_F(PreprocessReference, AntialiasingChangesADownscale) {
  const cv::Mat image = load_image(refs_dir() + "/images/large240x321.png");
  Preprocess p;
  p.size = std::array<int, 2>{32, 32};
  const cv::Mat with = resize_for_model(image, p);
  p.antialias = false;
  const cv::Mat without = resize_for_model(image, p);
  cv::Mat difference;
  cv::absdiff(with, without, difference);
  double worst = 0;
  cv::minMaxLoc(difference.reshape(1), nullptr, &worst);
  EXPECT_GT(worst, 20);
}

// Only the crop is computed with antialias; OpenCV must resize the whole image first.
TEST(PreprocessLimits, CroppingAVeryElongatedImageNeedsAntialias) {
  const cv::Mat strip(1, 500'000, CV_8UC3, cv::Scalar(10, 20, 30));
  Preprocess p;
  p.size = std::array<int, 2>{224, 224};
  p.resize = ResizeMode::crop;
  const cv::Mat centre = resize_for_model(strip, p);
  EXPECT_EQ(centre.size(), cv::Size(224, 224));
  EXPECT_EQ(centre.at<cv::Vec3b>(100, 100), cv::Vec3b(10, 20, 30));
  p.antialias = false;
  try {
    resize_for_model(strip, p);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::input);
    EXPECT_NE(std::string(e.what()).find("use antialias"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace attnviz
