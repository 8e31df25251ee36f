// --resize, --interpolation and --antialias through the binary, with the bundled model
// and models whose metadata names them (tests/fixtures/make_preprocess_refs.py).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include "noise_image.h"
#include "test_support.h"

namespace attnviz {
namespace {

using nlohmann::json;

std::string refs_model(const std::string& name) {
  const char* env = std::getenv("ATTNVIZ_PREPROCESS_REFS");
  return std::string(env ? env : ATTNVIZ_PREPROCESS_REFS) + "/models/" + name + ".pt";
}

std::string bundled_model() { return test::source_dir() + "/models/tinyvlm-base.pt"; }

// A bundled scene (64x64) with 64 columns of noise on either side.
std::string write_widened_scene(const test::TempDir& dir) {
  const cv::Mat scene = cv::imread(test::source_dir() + "/examples/scenes/scene_000.png");
  cv::Mat wide;
  cv::hconcat(std::vector<cv::Mat>{test::noise(64, 64, CV_8UC3, 3), scene, test::noise(64, 64, CV_8UC3, 4)}, wide);
  const std::string path = dir.file("wide.png");
  cv::imwrite(path, wide);
  return path;
}

json run_json(const std::vector<std::string>& args, const std::string& out, const std::string& stem) {
  std::vector<std::string> all = {"run"};
  all.insert(all.end(), args.begin(), args.end());
  for (const char* a : {"--layers", "3,12", "--threads", "1", "--out"}) all.push_back(a);
  all.push_back(out);
  const auto r = test::run_attnviz(all);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return r.exit_code == 0 ? json::parse(test::read_text(out + "/" + stem + ".json")) : json();
}

TEST(PreprocessCli, CropFeedsTheModelTheCentre) {
  test::TempDir dir("crop_centre");
  const std::string wide = write_widened_scene(dir);
  const std::string scene = test::source_dir() + "/examples/scenes/scene_000.png";
  const json centre = run_json({bundled_model(), scene}, dir.file("scene"), "scene_000");
  const json cropped = run_json({bundled_model(), wide, "--resize", "crop"}, dir.file("crop"), "wide");
  const json squashed = run_json({bundled_model(), wide}, dir.file("squash"), "wide");
  ASSERT_FALSE(cropped.is_null());
  ASSERT_FALSE(centre.is_null());
  // The 64x192 image's centre is exactly the scene, already at the model's 64x64.
  EXPECT_EQ(cropped["layers"], centre["layers"]);
  EXPECT_EQ(cropped["answer"], centre["answer"]);
  EXPECT_NE(squashed["layers"], centre["layers"]);
  EXPECT_EQ(cropped["image"]["width"], 192);
  EXPECT_EQ(cropped["input"]["region"], json({{"x", 64}, {"y", 0}, {"width", 64}, {"height", 64}}));
  EXPECT_EQ(squashed["input"]["region"], json({{"x", 0}, {"y", 0}, {"width", 192}, {"height", 64}}));
  // The overlay is drawn over what the model saw: the same picture as the scene's own.
  const cv::Mat a = cv::imread(dir.file("crop") + "/wide.overlay.png");
  const cv::Mat b = cv::imread(dir.file("scene") + "/scene_000.overlay.png");
  ASSERT_EQ(a.size(), b.size());
  EXPECT_EQ(cv::norm(a, b, cv::NORM_INF), 0);
}

TEST(PreprocessCli, TheJsonRecordsThePreprocessingApplied) {
  test::TempDir dir("recorded");
  const std::string scene = test::source_dir() + "/examples/scenes/scene_001.png";
  const auto inspect = test::run_attnviz({"inspect", bundled_model(), "--json"});
  ASSERT_EQ(inspect.exit_code, 0) << inspect.err;
  const json meta = json::parse(inspect.out)["metadata"]["preprocess"];
  // Without flags: the metadata's values, and the defaults for what it leaves out.
  const json plain = run_json({bundled_model(), scene}, dir.file("plain"), "scene_001")["input"]["preprocess"];
  for (const char* key : {"size", "channel_order", "scale", "mean", "std"}) EXPECT_EQ(plain[key], meta[key]) << key;
  EXPECT_EQ(plain["resize"], "squash");
  EXPECT_EQ(plain["interpolation"], "bilinear");
  EXPECT_EQ(plain["antialias"], true);
  // Flags over the metadata.
  const json flagged = run_json({bundled_model(), scene, "--resize", "crop", "--interpolation", "nearest", "--antialias",
                                 "off", "--bgr", "--mean", "0.25,0.5,0.75", "--std", "0.5,0.25,0.125"},
                                dir.file("flagged"), "scene_001")["input"]["preprocess"];
  EXPECT_EQ(flagged["resize"], "crop");
  EXPECT_EQ(flagged["interpolation"], "nearest");
  EXPECT_EQ(flagged["antialias"], false);
  EXPECT_EQ(flagged["channel_order"], "BGR");
  EXPECT_EQ(flagged["mean"], json({0.25, 0.5, 0.75}));
  EXPECT_EQ(flagged["std"], json({0.5, 0.25, 0.125}));
}

TEST(PreprocessCli, MetadataSettingsApplyAndFlagsOverrideThem) {
  test::TempDir dir("metadata_settings");
  const std::string wide = write_widened_scene(dir);
  const json from_meta = run_json({refs_model("crop_bicubic"), wide}, dir.file("meta"), "wide")["input"];
  EXPECT_EQ(from_meta["preprocess"]["resize"], "crop");
  EXPECT_EQ(from_meta["preprocess"]["interpolation"], "bicubic");
  EXPECT_EQ(from_meta["preprocess"]["antialias"], false);
  EXPECT_EQ(from_meta["region"]["x"], 64);
  const json flagged = run_json({refs_model("crop_bicubic"), wide, "--resize", "squash", "--antialias", "on"},
                                dir.file("flags"), "wide")["input"];
  EXPECT_EQ(flagged["preprocess"]["resize"], "squash");
  EXPECT_EQ(flagged["preprocess"]["interpolation"], "bicubic");
  EXPECT_EQ(flagged["preprocess"]["antialias"], true);
  EXPECT_EQ(flagged["region"]["width"], 192);
}

TEST(PreprocessCli, BadFlagValuesAreUsageErrorsNamingTheFlag) {
  test::TempDir dir("bad_flags");
  const std::string scene = test::source_dir() + "/examples/scenes/scene_000.png";
  for (const auto& [flag, value] : std::vector<std::pair<std::string, std::string>>{
           {"--resize", "zoom"}, {"--interpolation", "lanczos"}, {"--antialias", "yes"}}) {
    const auto r = test::run_attnviz({"run", bundled_model(), scene, flag, value, "--out", dir.file("out")});
    EXPECT_EQ(r.exit_code, 2) << flag;
    EXPECT_NE(r.err.find(flag + " '" + value + "': expected"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << "one line: " << r.err;
    EXPECT_FALSE(test::file_exists(dir.file("out"))) << "no output for a usage error";
  }
}

TEST(PreprocessCli, BadMetadataValuesAreModelErrorsNamingTheFile) {
  test::TempDir dir("bad_metadata");
  const std::string scene = test::source_dir() + "/examples/scenes/scene_000.png";
  for (const auto& [model, field] : std::vector<std::pair<std::string, std::string>>{
           {"bad_resize", "preprocess.resize: \"zoom\""},
           {"bad_interpolation", "preprocess.interpolation: \"lanczos\""},
           {"bad_antialias", "preprocess.antialias: expected a boolean"}}) {
    const auto r = test::run_attnviz({"run", refs_model(model), scene, "--out", dir.file("out")});
    EXPECT_EQ(r.exit_code, 3) << model;
    EXPECT_NE(r.err.find(refs_model(model) + ": attnviz.json: " + field), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << "one line: " << r.err;
  }
}

}  // namespace
}  // namespace attnviz
