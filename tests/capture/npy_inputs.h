#pragma once
// Shared by the capture tests: model inputs from the fixtures' .npy files, and the
// element-wise comparison of captured values with references.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "attnviz/model.h"
#include "attnviz/npy.h"

namespace attnviz::test {

// image_npy: float32 [1, C, H, W]; ids_npy: int64 [1, L], or "" for image-only models.
inline ModelInputs npy_inputs(const std::string& image_npy, const std::string& ids_npy) {
  ModelInputs in;
  auto image = read_npy(image_npy);
  in.image.channels = static_cast<int>(image.shape[1]);
  in.image.height = static_cast<int>(image.shape[2]);
  in.image.width = static_cast<int>(image.shape[3]);
  in.image.data = image.f32;
  if (!ids_npy.empty()) in.input_ids = read_npy(ids_npy).i64;
  return in;
}

// Largest |a[i] - b[i]|; infinity when the sizes differ.
inline float max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size()) return INFINITY;
  float m = 0;
  for (size_t i = 0; i < a.size(); ++i) m = std::max(m, std::fabs(a[i] - b[i]));
  return m;
}

}  // namespace attnviz::test
