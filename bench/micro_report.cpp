// The JSON beside every PNG: building the document and dumping it.
#include <benchmark/benchmark.h>

#include <random>

#include "attnviz/report.h"

namespace {

// An analysis like the bundled model's: 4 layers over 64 image tokens + 10 text tokens.
attnviz::Analysis bundled_analysis(bool with_matrix) {
  attnviz::Analysis a;
  a.model_path = "models/tinyvlm-base.pt";
  a.model_name = "tinyvlm-base";
  a.image_path = "examples/scenes/scene_000.png";
  a.image = std::make_shared<const attnviz::BgrImage>(
      attnviz::BgrImage{64, 64, std::vector<uint8_t>(64 * 64 * 3, 255)});
  a.input_h = a.input_w = 64;
  a.budget = 64;
  a.budget_grid = {8, 8};
  a.prompt = "what color is the cross?";
  a.prompt_ids = {1, 10, 11, 12, 13, 14, 15};
  a.answer_ids = {30};
  a.answer = "purple";
  a.tokens = {"<bos>", "what", "color", "is", "the", "cross", "?", "purple"};
  a.query = attnviz::parse_query("answer");
  std::mt19937 rng(2);
  std::uniform_real_distribution<float> u(0.0f, 0.02f);
  const int t = 64 + 8;
  for (int l : {1, 5, 14, 23}) {
    attnviz::LayerView v;
    v.attention.stack = "lm.layers";
    v.attention.index = l;
    v.attention.name = "lm.layers." + std::to_string(l) + ".attn";
    v.attention.heads = 4;
    v.attention.tq = v.attention.tk = t;
    if (with_matrix) {
      v.attention.fused.resize(static_cast<size_t>(t) * t);
      for (auto& x : v.attention.fused) x = u(rng);
    }
    v.image_tokens = attnviz::TokenSpan{0, 64, 8, 8};
    v.query_rows = {70};
    attnviz::ImageMap m;
    m.grid_h = m.grid_w = 8;
    for (int i = 0; i < 64; ++i) m.values.push_back(u(rng));
    v.map = m;
    v.causal = true;
    a.layers.push_back(std::move(v));
  }
  return a;
}

void BM_JsonOverlayDefaults(benchmark::State& state) {
  const auto a = bundled_analysis(false);
  attnviz::ReportOptions o;
  o.files["overlay"] = "scene_000.overlay.png";
  for (auto _ : state) benchmark::DoNotOptimize(attnviz::dump_json(attnviz::analysis_json(a, o)).data());
}
BENCHMARK(BM_JsonOverlayDefaults);

// --view grid puts each layer's token x token matrix in the JSON.
void BM_JsonWithMatrices(benchmark::State& state) {
  const auto a = bundled_analysis(true);
  attnviz::ReportOptions o;
  o.include_matrix = true;
  for (auto _ : state) benchmark::DoNotOptimize(attnviz::dump_json(attnviz::analysis_json(a, o)).data());
}
BENCHMARK(BM_JsonWithMatrices);

}  // namespace
