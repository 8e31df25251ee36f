#pragma once
// The JSON written beside every PNG (format: docs/json-format.md). Stable key order and
// rounded numbers, so the same inputs give the same bytes and diffs stay readable.
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "attnviz/analysis.h"

namespace attnviz {

inline constexpr int kResultVersion = 1;
inline constexpr long kMaxJsonMatrix = 512 * 512;  // larger matrices go to .npy only

struct ReportOptions {
  bool include_matrix = false;              // the fused token x token matrix per layer
  std::map<int, std::string> npy_files;     // layer position -> file name relative to the JSON
  std::map<std::string, std::string> files; // role ("overlay", "grid") -> file name
  nlohmann::json layout;                    // what each figure shows: panels, titles, sizes
};

// 7 significant digits: what float32 can hold, without binary noise in the text.
double round_sig(double v);

nlohmann::json analysis_json(const Analysis& a, const ReportOptions& options);

// Several analyses of one image (budgets, models) in one document.
nlohmann::json combined_json(const std::vector<const Analysis*>& analyses,
                             const std::vector<ReportOptions>& options, const std::string& figure,
                             const nlohmann::json& layout);

std::string dump_json(const nlohmann::json& doc);  // indented, trailing newline

}  // namespace attnviz
