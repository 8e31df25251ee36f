#pragma once
// Attention rollout (Abnar & Zuidema, 2020): how much each token draws, through the
// residual stream, on every input token up to a layer.
#include <vector>

#include "attnviz/attention.h"

namespace attnviz {

// `layers` are consecutive layers 0..L of one stack, in order, square [t, t] and all of
// the same t. Each layer's (head-fused) matrix A becomes A' = (A + I) / 2 with rows
// renormalised; the result after layer l is A'_l * A'_{l-1} * ... * A'_0 (row-major
// [t, t]). Throws a usage Error for windowed, non-square or mismatched layers.
std::vector<std::vector<float>> attention_rollout(const std::vector<const AttentionMap*>& layers);

}  // namespace attnviz
