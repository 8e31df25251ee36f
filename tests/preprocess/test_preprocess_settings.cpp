// Resize mode, interpolation and antialias: from the metadata, from the flags (which win),
// and into the result JSON.
#include <gtest/gtest.h>

#include "attnviz/error.h"
#include "attnviz/metadata.h"
#include "attnviz/report.h"
#include "preprocess_options.h"

namespace attnviz {
namespace {

Metadata with_preprocess(const std::string& block) {
  return parse_metadata(R"({"format": "attnviz", "version": 1, "preprocess": )" + block + "}", "m.pt");
}

std::string metadata_error(const std::string& block) {
  try {
    with_preprocess(block);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::model);
    return e.what();
  }
  return "";
}

std::string flag_error(cli::PreprocessArgs args) {
  try {
    args.override();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::usage);
    return e.what();
  }
  return "";
}

TEST(PreprocessSettings, DefaultsAreTorchvisionOnPilImages) {
  const Preprocess p = with_preprocess(R"({"size": [64, 64]})").preprocess;
  EXPECT_EQ(p.resize, ResizeMode::squash);
  EXPECT_EQ(p.interpolation, Interpolation::bilinear);
  EXPECT_TRUE(p.antialias);
}

TEST(PreprocessSettings, MetadataNamesResizeInterpolationAndAntialias) {
  const Preprocess p =
      with_preprocess(R"({"size": [64, 64], "resize": "crop", "interpolation": "bicubic", "antialias": false})").preprocess;
  EXPECT_EQ(p.resize, ResizeMode::crop);
  EXPECT_EQ(p.interpolation, Interpolation::bicubic);
  EXPECT_FALSE(p.antialias);
  EXPECT_EQ(with_preprocess(R"({"interpolation": "nearest", "resize": null})").preprocess.interpolation,
            Interpolation::nearest);
}

TEST(PreprocessSettings, BadMetadataValuesAreModelErrorsNamingTheField) {
  const std::string resize = metadata_error(R"({"resize": "zoom"})");
  EXPECT_NE(resize.find("m.pt: attnviz.json: preprocess.resize: \"zoom\""), std::string::npos) << resize;
  EXPECT_NE(resize.find("squash or crop"), std::string::npos) << resize;
  const std::string filter = metadata_error(R"({"interpolation": "lanczos"})");
  EXPECT_NE(filter.find("attnviz.json: preprocess.interpolation: \"lanczos\""), std::string::npos) << filter;
  const std::string antialias = metadata_error(R"({"antialias": "yes"})");
  EXPECT_NE(antialias.find("attnviz.json: preprocess.antialias: expected a boolean"), std::string::npos) << antialias;
  EXPECT_NE(metadata_error(R"({"resize": 1})").find("preprocess.resize: expected a string"), std::string::npos);
}

TEST(PreprocessSettings, FlagsReplaceTheMetadata) {
  cli::PreprocessArgs args;
  args.resize = "crop";
  args.interpolation = "nearest";
  args.antialias = "off";
  const PreprocessOverride o = args.override();
  EXPECT_FALSE(o.empty());
  const Preprocess p =
      o.applied_to(with_preprocess(R"({"resize": "squash", "interpolation": "bicubic", "antialias": true})").preprocess);
  EXPECT_EQ(p.resize, ResizeMode::crop);
  EXPECT_EQ(p.interpolation, Interpolation::nearest);
  EXPECT_FALSE(p.antialias);
  args.antialias = "on";
  EXPECT_TRUE(args.override().applied_to(p).antialias);
  // Flags not given leave the metadata's values alone.
  const Preprocess kept = cli::PreprocessArgs{}.override().applied_to(p);
  EXPECT_EQ(kept.interpolation, Interpolation::nearest);
  EXPECT_FALSE(kept.antialias);
}

TEST(PreprocessSettings, BadFlagValuesAreUsageErrorsNamingTheFlag) {
  cli::PreprocessArgs resize, filter, antialias;
  resize.resize = "zoom";
  filter.interpolation = "Bilinear";
  antialias.antialias = "true";
  EXPECT_EQ(flag_error(resize), "--resize 'zoom': expected squash or crop");
  EXPECT_EQ(flag_error(filter), "--interpolation 'Bilinear': expected bilinear, bicubic or nearest");
  EXPECT_EQ(flag_error(antialias), "--antialias 'true': expected on or off");
}

TEST(PreprocessSettings, TheResultJsonRecordsWhatWasApplied) {
  Analysis a;
  a.preprocess.size = std::array<int, 2>{224, 224};
  a.preprocess.resize = ResizeMode::crop;
  a.preprocess.interpolation = Interpolation::bicubic;
  a.preprocess.antialias = false;
  a.preprocess.bgr = true;
  a.preprocess.mean = {0.1, 0.2, 0.3};
  a.resize = plan_resize(480, 640, a.preprocess.size, a.preprocess.resize);
  const auto j = analysis_json(a, {});
  const auto& p = j["input"]["preprocess"];
  EXPECT_EQ(p["size"], nlohmann::json({224, 224}));
  EXPECT_EQ(p["resize"], "crop");
  EXPECT_EQ(p["interpolation"], "bicubic");
  EXPECT_EQ(p["antialias"], false);
  EXPECT_EQ(p["channel_order"], "BGR");
  EXPECT_EQ(p["scale"], 255.0);
  EXPECT_EQ(p["mean"], nlohmann::json({0.1, 0.2, 0.3}));
  EXPECT_EQ(p["std"], nlohmann::json({0.229, 0.224, 0.225}));
  // The loaded image's size, and the part of it the model saw.
  EXPECT_EQ(j["image"]["width"], 640);
  EXPECT_EQ(j["image"]["height"], 480);
  const PixelRect seen = a.resize.source_region();
  EXPECT_EQ(j["input"]["region"], nlohmann::json({{"x", seen.x}, {"y", 0}, {"width", seen.width}, {"height", 480}}));
  EXPECT_GT(seen.x, 0);
}

TEST(PreprocessSettings, ImagesFedAtTheirOwnSizeRecordNoSize) {
  Analysis a;
  auto image = std::make_shared<BgrImage>();
  image->width = 40;
  image->height = 30;
  a.image = image;
  const auto j = analysis_json(a, {});
  EXPECT_TRUE(j["input"]["preprocess"]["size"].is_null());
  EXPECT_EQ(j["input"]["region"], nlohmann::json({{"x", 0}, {"y", 0}, {"width", 40}, {"height", 30}}));
  EXPECT_EQ(j["image"]["width"], 40);
}

}  // namespace
}  // namespace attnviz
