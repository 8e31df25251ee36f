#include "pooling.h"

#include <algorithm>

namespace attnviz::html {

int side_factor(int rows, int cols, int max_side) {
  const int side = std::max(rows, cols);
  return std::max(1, (side + max_side - 1) / std::max(1, max_side));
}

int cell_factor(int rows, int cols, int max_cells) {
  int f = 1;
  while (static_cast<long long>(pooled_size(rows, f)) * pooled_size(cols, f) > std::max(1, max_cells)) ++f;
  return f;
}

std::vector<float> mean_pool(const float* m, int rows, int cols, int factor) {
  if (factor <= 1) return std::vector<float>(m, m + static_cast<size_t>(rows) * cols);
  const int pr = pooled_size(rows, factor), pc = pooled_size(cols, factor);
  std::vector<double> sum(static_cast<size_t>(pr) * pc, 0.0);
  for (int r = 0; r < rows; ++r) {
    const float* row = m + static_cast<size_t>(r) * cols;
    double* out = sum.data() + static_cast<size_t>(r / factor) * pc;
    for (int c = 0; c < cols; ++c) out[c / factor] += row[c];
  }
  std::vector<float> pooled(sum.size());
  for (int i = 0; i < pr; ++i) {
    const int h = std::min(factor, rows - i * factor);
    for (int j = 0; j < pc; ++j) {
      const int w = std::min(factor, cols - j * factor);
      pooled[static_cast<size_t>(i) * pc + j] = static_cast<float>(sum[static_cast<size_t>(i) * pc + j] / (h * w));
    }
  }
  return pooled;
}

}  // namespace attnviz::html
