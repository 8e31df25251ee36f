#include "attnviz/rollout.h"

#include "attnviz/error.h"

namespace attnviz {

std::vector<std::vector<float>> attention_rollout(const std::vector<const AttentionMap*>& layers) {
  std::vector<std::vector<float>> out;
  if (layers.empty()) return out;
  const int t = layers.front()->tq;
  const size_t n = static_cast<size_t>(t) * t;
  std::vector<double> rolled(n, 0.0), next(n), a(n);
  for (int i = 0; i < t; ++i) rolled[static_cast<size_t>(i) * t + i] = 1.0;
  for (const AttentionMap* layer : layers) {
    if (layer->windowed())
      fail_usage("--method rollout: " + layer->name + " attends within " + std::to_string(layer->windows) +
                 " windows; rollout needs one square self-attention matrix per layer");
    if (layer->tq != layer->tk || layer->tq != t)
      fail_usage("--method rollout: " + layer->name + " is " + std::to_string(layer->tq) + "x" +
                 std::to_string(layer->tk) + "; rollout needs square self-attention of one size per stack");
    const auto m = layer->matrix();
    for (int i = 0; i < t; ++i) {
      double sum = 0;
      for (int j = 0; j < t; ++j) {
        double v = 0.5 * m[static_cast<size_t>(i) * t + j] + (i == j ? 0.5 : 0.0);
        a[static_cast<size_t>(i) * t + j] = v;
        sum += v;
      }
      for (int j = 0; j < t; ++j) a[static_cast<size_t>(i) * t + j] /= sum > 0 ? sum : 1.0;
    }
    // next = a * rolled (i-k-j order keeps the inner loop contiguous).
    std::fill(next.begin(), next.end(), 0.0);
    for (int i = 0; i < t; ++i)
      for (int k = 0; k < t; ++k) {
        const double aik = a[static_cast<size_t>(i) * t + k];
        if (aik == 0.0) continue;
        const double* src = &rolled[static_cast<size_t>(k) * t];
        double* dst = &next[static_cast<size_t>(i) * t];
        for (int j = 0; j < t; ++j) dst[j] += aik * src[j];
      }
    rolled.swap(next);
    out.emplace_back(rolled.begin(), rolled.end());
  }
  return out;
}

}  // namespace attnviz
