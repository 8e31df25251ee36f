#include "batch_inputs.h"

#include <algorithm>
#include <filesystem>
#include <optional>
#include <map>
#include <set>

#include "attnviz/error.h"
#include "attnviz/strings.h"

namespace attnviz::batch {
namespace {

std::string file_stem(const std::string& name) { return std::filesystem::path(name).stem().string(); }


}  // namespace

std::vector<std::string> expand_stdin_inputs(const std::vector<std::string>& args, std::istream& in) {
  std::vector<std::string> out;
  bool read_stdin = false;
  for (const auto& a : args) {
    if (a != "-") {
      out.push_back(a);
      continue;
    }
    if (read_stdin) fail_usage("'-' (read image paths from stdin) given twice");
    read_stdin = true;
    std::string line;
    while (std::getline(in, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (!line.empty()) out.push_back(line);
    }
    if (in.bad()) fail_usage("cannot read image paths from stdin");
  }
  return out;
}


std::vector<std::string> unique_stems(const std::vector<std::string>& inputs) {
  // Path components without "." and "..", the last one without its extension.
  std::vector<std::vector<std::string>> parts(inputs.size());
  std::map<std::string, std::vector<size_t>> by_stem;
  for (size_t i = 0; i < inputs.size(); ++i) {
    std::string component;
    for (size_t c = 0; c <= inputs[i].size(); ++c) {
      if (c == inputs[i].size() || inputs[i][c] == '/') {
        if (!component.empty() && component != "." && component != "..") parts[i].push_back(component);
        component.clear();
      } else {
        component += inputs[i][c];
      }
    }
    if (parts[i].empty()) parts[i].push_back("image");
    parts[i].back() = file_stem(parts[i].back());
    by_stem[parts[i].back()].push_back(i);
  }
  // Inputs sharing a stem take as many parent folders as it needs to tell them apart:
  // "a/x.jpg", "b/x.jpg" -> "a_x", "b_x".
  auto name = [&](size_t i, size_t folders) {
    const auto& p = parts[i];
    const size_t first = p.size() > folders + 1 ? p.size() - folders - 1 : 0;
    std::string out;
    for (size_t c = first; c < p.size(); ++c) out += (out.empty() ? "" : "_") + p[c];
    return out;
  };
  std::vector<std::string> wanted(inputs.size());
  for (const auto& [stem, members] : by_stem) {
    size_t depth = 0;
    for (size_t i : members) depth = std::max(depth, parts[i].size() - 1);
    // The fewest folders that tell the most of them apart.
    size_t folders = 0, best = 0;
    for (size_t f = 0; members.size() > 1 && f <= depth; ++f) {
      std::set<std::string> distinct;
      for (size_t i : members) distinct.insert(name(i, f));
      if (distinct.size() > best) {
        best = distinct.size();
        folders = f;
      }
      if (best == members.size()) break;
    }
    for (size_t i : members) wanted[i] = name(i, folders);
  }
  // Whatever still clashes (the same path twice, "x.png" and "x.jpg"): -2, -3, ... in
  // list order.
  std::vector<std::string> stems;
  std::set<std::string> used;
  for (size_t i = 0; i < inputs.size(); ++i) {
    std::string candidate = wanted[i];
    for (int k = 2; used.count(candidate); ++k) candidate = wanted[i] + "-" + std::to_string(k);
    used.insert(candidate);
    stems.push_back(candidate);
  }
  return stems;
}

}  // namespace attnviz::batch
