// The geometry of squash and crop: torchvision's Resize(S) sizes and CenterCrop offsets.
#include <gtest/gtest.h>

#include "attnviz/error.h"
#include "attnviz/resize.h"

namespace attnviz {
namespace {

const std::optional<std::array<int, 2>> kSquare224 = std::array<int, 2>{224, 224};

// The resized size and where the crop starts in it.
void expect_plan(const ResizePlan& p, int resized_h, int resized_w, int crop_top, int crop_left) {
  EXPECT_EQ(p.resized_h, resized_h);
  EXPECT_EQ(p.resized_w, resized_w);
  EXPECT_EQ(p.crop_top, crop_top);
  EXPECT_EQ(p.crop_left, crop_left);
}

TEST(ResizePlan, SquashGoesStraightToTheTarget) {
  const ResizePlan p = plan_resize(480, 640, kSquare224, ResizeMode::squash);
  expect_plan(p, 224, 224, 0, 0);
  const PixelRect r = p.source_region();
  EXPECT_EQ(r.x, 0);
  EXPECT_EQ(r.y, 0);
  EXPECT_EQ(r.width, 640);
  EXPECT_EQ(r.height, 480);
}

TEST(ResizePlan, CropScalesTheShorterSideAndTruncatesTheLonger) {
  // torchvision: Resize(224) of 640x480 is int(224 * 640 / 480) = int(298.67) = 298 wide;
  // CenterCrop(224) starts at int(round((298 - 224) / 2.0)) = 37.
  const ResizePlan p = plan_resize(480, 640, kSquare224, ResizeMode::crop);
  expect_plan(p, 224, 298, 0, 37);
  EXPECT_EQ(p.out_h, 224);
  EXPECT_EQ(p.out_w, 224);
  // Portrait: the width is the shorter side.
  expect_plan(plan_resize(300, 200, std::array<int, 2>{64, 64}, ResizeMode::crop), 96, 64, 16, 0);
}

TEST(ResizePlan, CropOffsetsRoundHalvesToEvenAsPythonDoes) {
  // No resize needed (the short side is already the target); margins of 5 and 7 pixels:
  // round(2.5) = 2 and round(3.5) = 4.
  const ResizePlan five = plan_resize(100, 105, std::array<int, 2>{100, 100}, ResizeMode::crop);
  EXPECT_FALSE(five.resizes());
  EXPECT_EQ(five.crop_left, 2);
  const ResizePlan seven = plan_resize(107, 100, std::array<int, 2>{100, 100}, ResizeMode::crop);
  EXPECT_EQ(seven.crop_top, 4);
}

TEST(ResizePlan, CropToANonSquareTargetCoversItWithTheSmallestSize) {
  // A square image to 50x80 (HxW): the width needs 80, so the image becomes 80x80.
  expect_plan(plan_resize(100, 100, std::array<int, 2>{50, 80}, ResizeMode::crop), 80, 80, 15, 0);
  // A wide image to a tall target: the height decides.
  expect_plan(plan_resize(60, 120, std::array<int, 2>{90, 30}, ResizeMode::crop), 90, 180, 0, 75);
}

TEST(ResizePlan, TheSourceRegionIsTheCentreTheModelSaw) {
  const PixelRect r = plan_resize(480, 640, kSquare224, ResizeMode::crop).source_region();
  EXPECT_EQ(r.y, 0);
  EXPECT_EQ(r.height, 480);
  // 224 of 298 resized columns are 481 source columns, centred (within a pixel of rounding).
  EXPECT_NEAR(r.width, 481, 1);
  EXPECT_NEAR(r.x, 640 - (r.x + r.width), 1);
}

TEST(ResizePlan, WithoutATargetTheImageIsKept) {
  const ResizePlan p = plan_resize(37, 53, std::nullopt, ResizeMode::crop);
  EXPECT_FALSE(p.resizes());
  EXPECT_EQ(p.out_h, 37);
  EXPECT_EQ(p.out_w, 53);
}

TEST(ResizePlan, AnImageTooElongatedToCropIsAnInputError) {
  try {
    plan_resize(1, 2'000'000, kSquare224, ResizeMode::crop);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::input);
    EXPECT_NE(std::string(e.what()).find("2000000x1"), std::string::npos) << e.what();
  }
  EXPECT_NO_THROW(plan_resize(1, 2'000'000, kSquare224, ResizeMode::squash));
}

TEST(ResizePlan, NamesRoundTrip) {
  for (auto mode : {ResizeMode::squash, ResizeMode::crop})
    EXPECT_EQ(parse_resize_mode(resize_mode_name(mode)), mode);
  for (auto f : {Interpolation::nearest, Interpolation::bilinear, Interpolation::bicubic})
    EXPECT_EQ(parse_interpolation(interpolation_name(f)), f);
  EXPECT_FALSE(parse_resize_mode("Crop"));
  EXPECT_FALSE(parse_interpolation("lanczos"));
}

}  // namespace
}  // namespace attnviz
