// Preprocessing: BGR 8-bit image -> normalised CHW floats (resize when the sizes differ).
#include <benchmark/benchmark.h>

#include <opencv2/core.hpp>

#include "noise_image.h"

#include "attnviz/image.h"

namespace {

cv::Mat random_bgr(int h, int w) { return attnviz::test::noise(h, w, CV_8UC3, 3); }

// The bundled model: 64x64 scenes fed at 64x64 (no resize).
void BM_Preprocess64(benchmark::State& state) {
  const cv::Mat img = random_bgr(64, 64);
  attnviz::Preprocess p;
  p.size = std::array<int, 2>{64, 64};
  for (auto _ : state) benchmark::DoNotOptimize(attnviz::preprocess(img, p).data.data());
}
BENCHMARK(BM_Preprocess64);

// A photo resized to a ViT's 224x224.
void BM_Preprocess640x480To224(benchmark::State& state) {
  const cv::Mat img = random_bgr(480, 640);
  attnviz::Preprocess p;
  p.size = std::array<int, 2>{224, 224};
  for (auto _ : state) benchmark::DoNotOptimize(attnviz::preprocess(img, p).data.data());
}
BENCHMARK(BM_Preprocess640x480To224);

}  // namespace
