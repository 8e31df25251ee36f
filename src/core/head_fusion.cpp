#include <algorithm>
#include <cctype>

#include "attnviz/attention.h"
#include "attnviz/error.h"
#include "attnviz/strings.h"

namespace attnviz {

std::string HeadFusion::str() const {
  switch (kind) {
    case Kind::mean: return "mean";
    case Kind::max: return "max";
    case Kind::min: return "min";
    case Kind::all: return "all";
    case Kind::head: return "head:" + std::to_string(head);
  }
  return "mean";
}

HeadFusion parse_head_fusion(const std::string& text) {
  HeadFusion f;
  if (text == "mean") return f;
  if (text == "max") { f.kind = HeadFusion::Kind::max; return f; }
  if (text == "min") { f.kind = HeadFusion::Kind::min; return f; }
  if (text == "all") { f.kind = HeadFusion::Kind::all; return f; }
  // Digits only: no sign, no spaces.
  const bool digits = !text.empty() && std::isdigit(static_cast<unsigned char>(text[0]));
  auto head = digits ? parse_integer(text, 0, 999'999) : std::nullopt;
  if (!head) fail_option("heads", " '" + text + "': expected mean, max, min, all or a head index");
  f.kind = HeadFusion::Kind::head;
  f.head = static_cast<int>(*head);
  return f;
}

std::vector<float> AttentionMap::stored_matrix(int* rows, int* cols) const {
  const int r = (tq + pool - 1) / pool, c = (tk + pool - 1) / pool;
  *rows = r;
  *cols = c;
  const size_t n = static_cast<size_t>(r) * static_cast<size_t>(c);
  if (windowed() || fused.empty()) return {};
  if (fusion.kind != HeadFusion::Kind::all || heads <= 1) return {fused.begin(), fused.begin() + std::min(n, fused.size())};
  std::vector<float> mean(n, 0.0f);
  for (int h = 0; h < heads; ++h)
    for (size_t i = 0; i < n; ++i) mean[i] += fused[h * n + i];
  for (auto& v : mean) v /= static_cast<float>(heads);
  return mean;
}

std::vector<float> AttentionMap::matrix() const {
  if (pool > 1) return {};
  int rows = 0, cols = 0;
  return stored_matrix(&rows, &cols);
}

bool AttentionMap::has_row(int r) const {
  if (r < 0 || r >= tq || windowed()) return false;
  if (!fused.empty() && pool == 1) return true;
  return std::find(rows.begin(), rows.end(), r) != rows.end();
}

const float* AttentionMap::query_row(int r) const {
  if (r < 0 || r >= tq || windowed()) return nullptr;
  if (!fused.empty() && pool == 1 && fusion.kind != HeadFusion::Kind::all)
    return fused.data() + static_cast<size_t>(r) * tk;
  for (size_t i = 0; i < rows.size(); ++i)
    if (rows[i] == r) return row_values.data() + i * static_cast<size_t>(tk);
  return nullptr;
}

}  // namespace attnviz
