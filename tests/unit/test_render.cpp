#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "attnviz/error.h"
#include "attnviz/image.h"
#include "attnviz/render/colormap.h"
#include "attnviz/render/compose.h"
#include "attnviz/render/grid.h"
#include "attnviz/render/overlay.h"
#include "attnviz/render/png.h"

using namespace attnviz;

namespace {

cv::Vec3b colormap_at(double unit, int colormap) {
  cv::Mat v(1, 1, CV_32F, cv::Scalar(unit));
  return colorize(v, colormap).at<cv::Vec3b>(0, 0);
}

ImageMap corner_map() {
  ImageMap m;
  m.grid_h = 2;
  m.grid_w = 2;
  m.values = {0.0f, 0.0f, 0.8f, 0.0f};  // hot cell: row 1, col 0 (bottom left)
  return m;
}

}  // namespace

TEST(Overlay, PanelsHaveTheImageSizeEnlargedForSmallImages) {
  cv::Mat img(64, 48, CV_8UC3, cv::Scalar(128, 128, 128));
  ImageMap m = corner_map();
  OverlayStyle style;
  style.colormap = parse_colormap("viridis");
  cv::Mat out = render_overlay(img, {{"input", "", nullptr}, {"layer 1", "", &m}, {"layer 2", "8", &m}}, style);
  // 64 px is enlarged x4 to 256 (x 192), three panels with 6 px gaps, a 36 px title bar.
  EXPECT_EQ(out.cols, 3 * 192 + 4 * 6);
  EXPECT_EQ(out.rows, 36 + 256 + 6);
}

TEST(Overlay, HeatLandsWhereTheMapPeaks) {
  cv::Mat img(64, 64, CV_8UC3, cv::Scalar(128, 128, 128));
  ImageMap m = corner_map();
  const int jet = parse_colormap("jet");
  cv::Mat blended = blend_map(img, m, jet, 1.0);
  ASSERT_EQ(blended.size(), img.size());
  // Bilinear upsampling of a 2x2 grid: the outer corner pixel takes the cell's value.
  EXPECT_EQ(blended.at<cv::Vec3b>(63, 0), colormap_at(1.0, jet));
  EXPECT_EQ(blended.at<cv::Vec3b>(0, 63), colormap_at(0.0, jet));
  // alpha 0 keeps the photo.
  EXPECT_EQ(blend_map(img, m, jet, 0.0).at<cv::Vec3b>(63, 0), cv::Vec3b(128, 128, 128));
}

TEST(Overlay, UnknownColormapIsAUsageError) {
  EXPECT_THROW(parse_colormap("rainbowz"), Error);
  EXPECT_GE(colormap_names().size(), 6u);
}

TEST(Grid, UpperTriangleOfACausalMatrixIsBlankAndTheRestIsDrawn) {
  AttentionMap a;
  a.heads = 1;
  a.tq = a.tk = 8;
  a.fused.assign(64, 0.0f);
  for (int i = 0; i < 8; ++i)
    for (int j = 0; j <= i; ++j) a.fused[i * 8 + j] = 1.0f / (i + 1);
  GridStyle style;
  style.colormap = parse_colormap("viridis");
  style.cell_size = 160;
  GridRow row{"model", {{"layer 0", &a, {}}, {"layer 1", nullptr, {}}}};
  cv::Mat out = render_grid({row}, style);
  // Locate the first matrix: the top-left cell of the dark-outlined square. Find it by
  // scanning for viridis-coloured pixels (not white, not gray ink).
  cv::Mat hsv;
  cv::cvtColor(out, hsv, cv::COLOR_BGR2HSV);
  int x0 = -1, y0 = -1;
  for (int y = 0; y < out.rows && x0 < 0; ++y)
    for (int x = 0; x < out.cols / 2; ++x)
      if (hsv.at<cv::Vec3b>(y, x)[1] > 80 && out.at<cv::Vec3b>(y, x) == colormap_at(1.0, style.colormap)) {
        x0 = x;
        y0 = y;
        break;
      }
  ASSERT_GE(x0, 0) << "no full-attention cell found";
  const int cell = 160 / 8;
  // Row 0 attends fully to token 0 (value 1.0 = colormap max) and nothing else: the rest
  // of row 0 is above the diagonal and blank.
  for (int j = 1; j < 8; ++j)
    EXPECT_EQ(out.at<cv::Vec3b>(y0 + cell / 2, x0 + j * cell + cell / 2), cv::Vec3b(255, 255, 255)) << j;
  // Below the diagonal everything is coloured.
  for (int i = 1; i < 8; ++i)
    EXPECT_NE(out.at<cv::Vec3b>(y0 + i * cell + cell / 2, x0 + cell / 2), cv::Vec3b(255, 255, 255)) << i;
}

TEST(Grid, OneRowPerModelOneColumnPerLayer) {
  AttentionMap a;
  a.heads = 1;
  a.tq = a.tk = 4;
  a.fused.assign(16, 0.25f);
  GridStyle style;
  style.cell_size = 100;
  GridRow r1{"small", {{"layer 1", &a, {}}, {"layer 5", &a, {}}, {"layer 9", nullptr, {}}}};
  GridRow r2{"base", {{"layer 1", &a, {}}, {"layer 5", &a, {}}, {"layer 9", &a, {}}}};
  cv::Mat one = render_grid({r1}, style), two = render_grid({r1, r2}, style);
  EXPECT_EQ(one.cols, two.cols);
  EXPECT_GT(two.rows, one.rows + 100);
  GridRow wide{"x", {{"a", &a, {}}, {"b", &a, {}}, {"c", &a, {}}, {"d", &a, {}}}};
  EXPECT_GT(render_grid({wide}, style).cols, one.cols + 100);
}

TEST(Png, EncodingIsDeterministicAndLossless) {
  cv::Mat img(20, 30, CV_8UC3);
  cv::randu(img, 0, 255);
  std::string a = encode_png(img, "a.png"), b = encode_png(img, "b.png");
  EXPECT_EQ(a, b);
  cv::Mat back = decode_image(a, "a.png");
  EXPECT_EQ(cv::norm(back, img, cv::NORM_INF), 0.0);
}

TEST(Images, GrayAlphaAnd16BitBecome8BitBGR) {
  cv::Mat gray(5, 7, CV_8UC1, cv::Scalar(200));
  std::vector<uchar> buf;
  cv::imencode(".png", gray, buf);
  cv::Mat g = decode_image(std::string(buf.begin(), buf.end()), "g.png");
  EXPECT_EQ(g.type(), CV_8UC3);
  EXPECT_EQ(g.at<cv::Vec3b>(2, 3), cv::Vec3b(200, 200, 200));
  cv::Mat rgba(4, 4, CV_8UC4, cv::Scalar(0, 0, 0, 0));  // fully transparent -> white
  cv::imencode(".png", rgba, buf);
  EXPECT_EQ(decode_image(std::string(buf.begin(), buf.end()), "a.png").at<cv::Vec3b>(0, 0), cv::Vec3b(255, 255, 255));
  cv::Mat deep(3, 3, CV_16UC3, cv::Scalar(65535, 0, 257 * 100));
  cv::imencode(".png", deep, buf);
  EXPECT_EQ(decode_image(std::string(buf.begin(), buf.end()), "d.png").at<cv::Vec3b>(1, 1), cv::Vec3b(255, 0, 100));
}

TEST(Images, PreprocessResizesReordersAndNormalises) {
  cv::Mat img(2, 2, CV_8UC3, cv::Scalar(0, 128, 255));  // B=0 G=128 R=255
  Preprocess p;
  p.size = std::array<int, 2>{4, 6};
  p.mean = {0.5, 0.5, 0.5};
  p.std = {0.5, 0.5, 0.5};
  auto t = preprocess(img, p);
  EXPECT_EQ(t.height, 4);
  EXPECT_EQ(t.width, 6);
  EXPECT_FLOAT_EQ(t.data[0], 1.0f);           // R plane first
  EXPECT_FLOAT_EQ(t.data[2 * 24], -1.0f);     // B plane last
  p.bgr = true;
  EXPECT_FLOAT_EQ(preprocess(img, p).data[0], -1.0f);
}
