// Head fusion on the C++ side (AttentionMap::matrix for --heads all) and map extraction.
#include <benchmark/benchmark.h>

#include <random>

#include "attnviz/attention.h"
#include "attnviz/query.h"

namespace {

attnviz::AttentionMap random_map(int heads, int t, attnviz::HeadFusion::Kind kind) {
  attnviz::AttentionMap m;
  m.heads = heads;
  m.tq = m.tk = t;
  m.fusion.kind = kind;
  const size_t n = static_cast<size_t>(t) * t * (kind == attnviz::HeadFusion::Kind::all ? heads : 1);
  m.fused.resize(n);
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> u(0.0f, 1.0f / t);
  for (auto& v : m.fused) v = u(rng);
  return m;
}

// args: heads, tokens
void BM_HeadMeanAll(benchmark::State& state) {
  const auto m = random_map(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)),
                            attnviz::HeadFusion::Kind::all);
  for (auto _ : state) benchmark::DoNotOptimize(m.matrix().data());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(m.fused.size() * sizeof(float)));
}
BENCHMARK(BM_HeadMeanAll)->Args({4, 74})->Args({12, 197})->Args({4, 2058});

// Already fused in the graph (--heads mean): matrix() is a copy.
void BM_MatrixFused(benchmark::State& state) {
  const auto m = random_map(4, static_cast<int>(state.range(0)), attnviz::HeadFusion::Kind::mean);
  for (auto _ : state) benchmark::DoNotOptimize(m.matrix().data());
}
BENCHMARK(BM_MatrixFused)->Arg(74)->Arg(2058);

// args: tokens, image tokens (a square grid), query rows
void BM_ImageMap(benchmark::State& state) {
  const int t = static_cast<int>(state.range(0));
  const int n = static_cast<int>(state.range(1));
  const auto m = random_map(1, t, attnviz::HeadFusion::Kind::mean);
  attnviz::TokenSpan span;
  span.offset = 0;
  span.count = n;
  for (span.grid_h = 1; span.grid_h * span.grid_h < n; ++span.grid_h) {
  }
  span.grid_w = n / span.grid_h;
  std::vector<int> rows;
  for (int r = 0; r < state.range(2); ++r) rows.push_back(t - 1 - r);
  for (auto _ : state)
    benchmark::DoNotOptimize(attnviz::image_map(m.fused, t, t, rows, span).values.data());
}
BENCHMARK(BM_ImageMap)->Args({74, 64, 2})->Args({2058, 2048, 2})->Args({2058, 2048, 10});

}  // namespace
