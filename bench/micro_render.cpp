// Colormap, blending, the overlay figure and PNG encoding.
#include <benchmark/benchmark.h>

#include <random>

#include <opencv2/core.hpp>

#include "noise_image.h"

#include "attnviz/query.h"
#include "attnviz/render/colormap.h"
#include "attnviz/render/compose.h"
#include "attnviz/render/grid.h"
#include "attnviz/render/overlay.h"
#include "attnviz/render/png.h"

namespace {

cv::Mat random_bgr(int h, int w) { return attnviz::test::noise(h, w, CV_8UC3, 3); }

attnviz::ImageMap random_image_map(int gh, int gw) {
  attnviz::ImageMap m;
  m.grid_h = gh;
  m.grid_w = gw;
  std::mt19937 rng(9);
  std::uniform_real_distribution<float> u(0.0f, 0.05f);
  for (int i = 0; i < gh * gw; ++i) m.values.push_back(u(rng));
  return m;
}

// arg: side of a square [0,1] float image
void BM_Colorize(benchmark::State& state) {
  const int side = static_cast<int>(state.range(0));
  cv::Mat unit(side, side, CV_32F);
  cv::randu(unit, 0.0f, 1.0f);
  const int viridis = attnviz::parse_colormap("viridis");
  for (auto _ : state) benchmark::DoNotOptimize(attnviz::colorize(unit, viridis).data);
}
BENCHMARK(BM_Colorize)->Arg(256)->Arg(512);

// args: image side, grid side
void BM_BlendMap(benchmark::State& state) {
  const int side = static_cast<int>(state.range(0)), grid = static_cast<int>(state.range(1));
  const cv::Mat img = random_bgr(side, side);
  const auto map = random_image_map(grid, grid);
  const int viridis = attnviz::parse_colormap("viridis");
  for (auto _ : state) benchmark::DoNotOptimize(attnviz::blend_map(img, map, viridis, 0.5).data);
}
BENCHMARK(BM_BlendMap)->Args({256, 8})->Args({512, 32});

// The bundled model's overlay: a 64x64 image (shown at 256x256), input + 4 layer panels.
cv::Mat bundled_overlay() {
  const cv::Mat img = random_bgr(64, 64);
  static const auto map = random_image_map(8, 8);
  std::vector<attnviz::OverlayPanel> panels{{"\u201cpurple\u201d", "", nullptr}};
  for (int l : {1, 5, 14, 23}) panels.push_back({"layer " + std::to_string(l), "", &map});
  attnviz::OverlayStyle style;
  style.colormap = attnviz::parse_colormap("viridis");
  return attnviz::render_overlay(img, panels, style);
}

void BM_RenderOverlay5Panels(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(bundled_overlay().data);
}
BENCHMARK(BM_RenderOverlay5Panels);

void BM_EncodePngOverlay(benchmark::State& state) {
  const cv::Mat overlay = bundled_overlay();
  size_t bytes = 0;
  for (auto _ : state) {
    auto png = attnviz::encode_png(overlay, "overlay.png");
    bytes = png.size();
    benchmark::DoNotOptimize(png.data());
  }
  state.counters["png_bytes"] = static_cast<double>(bytes);
  state.counters["pixels"] = static_cast<double>(overlay.total());
}
BENCHMARK(BM_EncodePngOverlay);

void BM_EncodePngPhoto(benchmark::State& state) {
  const cv::Mat img = random_bgr(480, 640);
  for (auto _ : state) benchmark::DoNotOptimize(attnviz::encode_png(img, "photo.png").data());
}
BENCHMARK(BM_EncodePngPhoto);

}  // namespace
