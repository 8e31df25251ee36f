#pragma once
// Result files against snapshots: which numbers drifted beyond a tolerance, in which
// file, layer and field, and by how much. JSON and .npy only (nlohmann/json, no OpenCV):
// other file types, PNGs in particular, are compared by functions the caller supplies
// (render.h's compare_png), so this stays usable without the rendering library.
#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace attnviz {

// numpy.isclose: |actual - expected| <= atol + rtol * |expected| (asymmetric, like numpy,
// with EXPECTED as the reference). The defaults are numpy's.
struct Tolerance {
  double atol = 1e-8;
  double rtol = 1e-5;
  bool close(double expected, double actual) const;
};

// Fields that legitimately differ between machines and checkouts (where the model and
// image files live): "model.path", "image.path" and the same under "runs[*]".
std::vector<std::string> default_ignored_fields();

struct Drift {
  std::string file;    // relative to the compared directories, or the file name
  std::string field;   // "layers[2].map.values"; empty when the whole file drifted
  std::string layer;   // "lm.layers.2.attn, index 2" when the field is inside a layer
  std::string problem; // what is wrong, in words ("missing in ACTUAL", "expected ...")
  // For numbers (and pixels): how many are outside the tolerance, of how many compared,
  // and the largest absolute error among those outside, with where it is.
  size_t count = 0;
  size_t compared = 0;
  double max_abs_error = 0;
  std::string at;  // e.g. "[3][2]", or "x 10, y 4" for pixels

  std::string str() const;  // one line: "FILE: FIELD [layer ...]: PROBLEM"
  nlohmann::json to_json() const;
};

// Compares two files of a type the library does not know (e.g. PNG); returns the drift
// (file left empty: the caller fills it in), or nothing when they agree.
using FileComparer =
    std::function<std::optional<Drift>(const std::string& expected_path, const std::string& actual_path)>;

struct DiffOptions {
  Tolerance tolerance;
  std::vector<std::string> ignored_fields = default_ignored_fields();  // "a.b", "runs[*].c"
  // By file extension (".png"). Files with no comparer here, and that are not .json or
  // .npy, are only checked for presence.
  std::map<std::string, FileComparer> comparers;
};

struct DiffReport {
  std::vector<Drift> drifts;
  std::vector<std::string> files;  // every file looked at (relative), sorted
  size_t numbers_compared = 0;
  bool ok() const { return drifts.empty(); }
  nlohmann::json to_json(const DiffOptions& options) const;
};

// Two parsed JSON documents; `file` names them in the drifts.
DiffReport diff_json(const nlohmann::json& expected, const nlohmann::json& actual, const std::string& file,
                     const DiffOptions& options);

// Two files, or two directories compared recursively (file names starting with '.' are
// skipped). A file on one side only is drift. A file that cannot be read or parsed is
// drift too; only bad arguments (a path that does not exist, a file against a
// directory) throw, as a usage Error naming the path.
DiffReport diff_paths(const std::string& expected, const std::string& actual, const DiffOptions& options);

}  // namespace attnviz
