#pragma once
// Mean pooling by a whole factor, for matrices that would make the page too large: the
// same averaging as the grid PNG's INTER_AREA, with bins the page can name exactly
// (bin i covers [i * factor, (i + 1) * factor), the last one possibly shorter).
#include <vector>

namespace attnviz::html {

// The smallest whole factor that brings max(rows, cols) to at most `max_side`.
int side_factor(int rows, int cols, int max_side);

// The smallest whole factor that brings ceil(rows / f) * ceil(cols / f) to at most `max_cells`.
int cell_factor(int rows, int cols, int max_cells);

inline int pooled_size(int n, int factor) { return (n + factor - 1) / factor; }

// `m` is rows x cols, row-major; the result is pooled_size(rows) x pooled_size(cols).
std::vector<float> mean_pool(const float* m, int rows, int cols, int factor);

}  // namespace attnviz::html
