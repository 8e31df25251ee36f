#include "attnviz/snapshot_diff.h"
#include "attnviz/strings.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <set>

#include "attnviz/atomic_file.h"
#include "attnviz/error.h"
#include "attnviz/npy.h"

namespace attnviz {
namespace {

namespace fs = std::filesystem;

using nlohmann::json;

std::string number_text(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.7g", v);
  return buf;
}

std::string error_text(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

// A value as it appears in a drift line, cut short so that one line stays one line.
std::string shown(const json& j) {
  std::string s = j.dump();
  if (s.size() <= 60) return s;
  // Not inside a UTF-8 sequence: the line goes into JSON reports too, whose dump() throws
  // on a broken one (found by fuzz_snapshot_diff).
  size_t cut = 57;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return s.substr(0, cut) + "...";
}

// "layers[2].map" -> "layers[*].map": ignore patterns name fields, not positions.
std::string without_indices(const std::string& field) {
  std::string out;
  for (size_t i = 0; i < field.size(); ++i) {
    if (field[i] == '[') {
      size_t close = field.find(']', i);
      if (close == std::string::npos) return out + field.substr(i);
      out += "[*]";
      i = close;
    } else {
      out += field[i];
    }
  }
  return out;
}

// Numbers, and non-numeric items of arrays, compared under one field. Array indices
// below the field are collapsed into `at`, so a 16x16 map that drifted is one line.
struct FieldTally {
  Drift drift;
  double worst_expected = 0, worst_actual = 0;
  size_t items_differing = 0;  // strings, booleans, ... inside arrays
  std::string first_item_at, first_item_expected, first_item_actual;
};

class JsonDiff {
 public:
  JsonDiff(std::string file, const DiffOptions& options) : file_(std::move(file)), o_(options) {}

  void walk(const json& e, const json& a, const std::string& field, const std::string& at, const std::string& layer) {
    if (e.is_number() && a.is_number()) {
      FieldTally& t = tally(field, layer);
      ++t.drift.compared;
      ++numbers_compared_;
      const double ev = e.get<double>(), av = a.get<double>();
      if (!o_.tolerance.close(ev, av)) {
        const double err = std::fabs(av - ev);
        if (t.drift.count == 0 || err > t.drift.max_abs_error) {
          t.drift.max_abs_error = err;
          t.drift.at = at;
          t.worst_expected = ev;
          t.worst_actual = av;
        }
        ++t.drift.count;
      }
      return;
    }
    if (e.type() != a.type() || (!e.is_structured() && e != a)) {
      if (!at.empty()) {  // an item of an array: tallied with its siblings
        FieldTally& t = tally(field, layer);
        if (t.items_differing++ == 0) {
          t.first_item_at = at;
          t.first_item_expected = shown(e);
          t.first_item_actual = shown(a);
        }
        return;
      }
      add(field, layer, "expected " + shown(e) + ", actual " + shown(a));
      return;
    }
    if (e.is_object()) {
      const std::string base = field + at;
      for (const auto& [key, value] : e.items()) {
        const std::string child = base.empty() ? key : base + "." + key;
        if (ignored(child)) continue;
        if (!a.contains(key)) add(child, layer, "missing in ACTUAL");
        else walk(value, a[key], child, "", layer);
      }
      for (const auto& [key, value] : a.items()) {
        const std::string child = base.empty() ? key : base + "." + key;
        if (!e.contains(key) && !ignored(child)) add(child, layer, "only in ACTUAL: " + shown(value));
      }
      return;
    }
    if (e.is_array()) {
      if (e.size() != a.size()) {
        add(field + at, layer,
            "length " + std::to_string(e.size()) + " in EXPECTED, " + std::to_string(a.size()) + " in ACTUAL");
        return;
      }
      const bool is_layers = field.size() >= 6 && field.compare(field.size() - 6, 6, "layers") == 0 && at.empty();
      for (size_t i = 0; i < e.size(); ++i) {
        const std::string index = "[" + std::to_string(i) + "]";
        if (e[i].is_object()) {
          // A record (a layer, a run): its position is part of the field's name.
          std::string child_layer = layer;
          if (is_layers && e[i].contains("name"))
            child_layer = (e[i]["name"].is_string() ? e[i]["name"].get<std::string>() : e[i]["name"].dump()) +
                          (e[i].contains("index") ? ", index " + e[i]["index"].dump() : "");
          walk(e[i], a[i], field + at + index, "", child_layer);
        } else {
          walk(e[i], a[i], field, at + index, layer);
        }
      }
    }
  }

  void finish(DiffReport& report) {
    for (auto& entry : entries_) {
      if (entry.tally < 0) {
        report.drifts.push_back(std::move(entry.drift));
        continue;
      }
      FieldTally& t = tallies_[static_cast<size_t>(entry.tally)];
      if (t.drift.count == 0 && t.items_differing == 0) continue;
      std::string problem;
      if (t.drift.count > 0) {
        problem = std::to_string(t.drift.count) + " of " + std::to_string(t.drift.compared) +
                  " numbers outside tolerance; max abs error " + error_text(t.drift.max_abs_error) +
                  (t.drift.at.empty() ? "" : " at " + t.drift.at) + " (expected " + number_text(t.worst_expected) +
                  ", actual " + number_text(t.worst_actual) + ")";
      }
      if (t.items_differing > 0) {
        problem += (problem.empty() ? "" : "; ") + std::to_string(t.items_differing) + " items differ, first at " +
                   t.first_item_at + ": expected " + t.first_item_expected + ", actual " + t.first_item_actual;
      }
      t.drift.problem = problem;
      report.drifts.push_back(std::move(t.drift));
    }
    report.numbers_compared += numbers_compared_;
  }

 private:
  struct Entry {
    int tally = -1;  // index into tallies_, or -1 for a drift of its own
    Drift drift;
  };

  bool ignored(const std::string& field) const {
    const std::string general = without_indices(field);
    for (const auto& f : o_.ignored_fields)
      if (f == field || f == general) return true;
    return false;
  }

  void add(const std::string& field, const std::string& layer, const std::string& problem) {
    Drift d;
    d.file = file_;
    d.field = field;
    d.layer = layer;
    d.problem = problem;
    entries_.push_back({-1, std::move(d)});
  }

  FieldTally& tally(const std::string& field, const std::string& layer) {
    auto it = tally_of_.find(field);
    if (it == tally_of_.end()) {
      FieldTally t;
      t.drift.file = file_;
      t.drift.field = field;
      t.drift.layer = layer;
      tallies_.push_back(std::move(t));
      it = tally_of_.emplace(field, tallies_.size() - 1).first;
      entries_.push_back({static_cast<int>(it->second), {}});
    }
    return tallies_[it->second];
  }

  std::string file_;
  const DiffOptions& o_;
  std::vector<Entry> entries_;  // in document order
  std::vector<FieldTally> tallies_;
  std::map<std::string, size_t> tally_of_;
  size_t numbers_compared_ = 0;
};

Drift whole_file(const std::string& file, const std::string& problem) {
  Drift d;
  d.file = file;
  d.problem = problem;
  return d;
}

void diff_npy(const std::string& e_path, const std::string& a_path, const std::string& file, const DiffOptions& o,
              DiffReport& report) {
  NpyArray e, a;
  try {
    e = read_npy(e_path);
  } catch (const std::exception& ex) {
    report.drifts.push_back(whole_file(file, std::string("EXPECTED unreadable: ") + ex.what()));
    return;
  }
  try {
    a = read_npy(a_path);
  } catch (const std::exception& ex) {
    report.drifts.push_back(whole_file(file, std::string("ACTUAL unreadable: ") + ex.what()));
    return;
  }
  auto shape_text = [](const NpyArray& x) {
    std::string s;
    for (auto d : x.shape) s += (s.empty() ? "" : ",") + std::to_string(d);
    return x.dtype + " [" + s + "]";
  };
  if (e.dtype != a.dtype || e.shape != a.shape) {
    report.drifts.push_back(whole_file(file, "expected " + shape_text(e) + ", actual " + shape_text(a)));
    return;
  }
  // The flat arrays as JSON numbers, so that the tallies and the wording are those of JSON.
  json je = e.dtype == "<f4" ? json(e.f32) : json(e.i64);
  json ja = a.dtype == "<f4" ? json(a.f32) : json(a.i64);
  JsonDiff diff(file, o);
  diff.walk(je, ja, "values", "", "");
  diff.finish(report);
}

void diff_json_file(const std::string& e_path, const std::string& a_path, const std::string& file,
                    const DiffOptions& o, DiffReport& report) {
  json docs[2];
  const std::string paths[2] = {e_path, a_path};
  const char* sides[2] = {"EXPECTED", "ACTUAL"};
  for (int i = 0; i < 2; ++i) {
    try {
      docs[i] = json::parse(read_file(paths[i]));
    } catch (const std::exception& ex) {
      report.drifts.push_back(whole_file(file, std::string(sides[i]) + " is not readable JSON: " + ex.what()));
      return;
    }
  }
  JsonDiff diff(file, o);
  diff.walk(docs[0], docs[1], "", "", "");
  diff.finish(report);
}

std::string extension_of(const std::string& path) {
  std::string ext = fs::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext;
}

void diff_file(const std::string& e_path, const std::string& a_path, const std::string& file, const DiffOptions& o,
               DiffReport& report) {
  const std::string ext = extension_of(file);
  if (ext == ".json") return diff_json_file(e_path, a_path, file, o, report);
  if (ext == ".npy") return diff_npy(e_path, a_path, file, o, report);
  auto comparer = o.comparers.find(ext);
  if (comparer == o.comparers.end()) return;  // presence only
  if (auto d = comparer->second(e_path, a_path)) {
    d->file = file;
    report.drifts.push_back(std::move(*d));
  }
}

enum class Kind { missing, file, directory };

Kind kind_of(const std::string& path) {
  std::error_code ec;
  const auto status = fs::status(path, ec);
  if (ec || !fs::exists(status)) return Kind::missing;
  return fs::is_directory(status) ? Kind::directory : Kind::file;
}

// Relative paths of the files under `root`, recursively; dot files and dot directories
// are skipped (editor and VCS droppings, and attnviz's own staging directories).
std::set<std::string> list_files(const std::string& root) {
  std::set<std::string> out;
  const std::string prefix = root.back() == '/' ? root : root + "/";  // paths below are root / name
  std::error_code ec;
  fs::recursive_directory_iterator it(root, fs::directory_options::follow_directory_symlink, ec), end;
  if (ec) fail_usage(root + ": cannot list directory");
  for (; it != end; it.increment(ec)) {
    if (ec) fail_usage(root + ": cannot list directory (" + ec.message() + ")");
    const std::string name = it->path().filename().string();
    const bool dir = kind_of(it->path().string()) == Kind::directory;
    if (name.empty() || name[0] == '.') {
      if (dir) it.disable_recursion_pending();
      continue;
    }
    if (!dir) out.insert(it->path().string().substr(prefix.size()));
  }
  return out;
}

std::string base_name(const std::string& path) {
  std::string p = path;
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  return fs::path(p).filename().string();
}

}  // namespace

bool Tolerance::close(double expected, double actual) const {
  if (expected == actual) return true;  // also equal infinities
  return std::fabs(actual - expected) <= atol + rtol * std::fabs(expected);
}

std::vector<std::string> default_ignored_fields() {
  return {"model.path", "image.path", "runs[*].model.path", "runs[*].image.path"};
}

std::string Drift::str() const {
  std::string s = file;
  if (!field.empty()) s += ": " + field;
  if (!layer.empty()) s += " [layer " + layer + "]";
  s += ": " + problem;
  // Field names are JSON keys, file names come from the directory: either may hold a
  // newline or a terminal escape. One line, always.
  return escape_control(s);
}

json Drift::to_json() const {
  json j = {{"file", file}, {"field", field}, {"layer", layer}, {"problem", problem}};
  if (compared > 0 || count > 0) {
    j["count"] = count;
    j["compared"] = compared;
    j["max_abs_error"] = max_abs_error;
    j["at"] = at;
  }
  return j;
}

json DiffReport::to_json(const DiffOptions& options) const {
  json drift_list = json::array();
  for (const auto& d : drifts) drift_list.push_back(d.to_json());
  return {{"ok", ok()},
          {"atol", options.tolerance.atol},
          {"rtol", options.tolerance.rtol},
          {"ignored_fields", options.ignored_fields},
          {"files", files},
          {"numbers_compared", numbers_compared},
          {"drifts", drift_list}};
}

DiffReport diff_json(const json& expected, const json& actual, const std::string& file, const DiffOptions& options) {
  DiffReport report;
  report.files.push_back(file);
  JsonDiff diff(file, options);
  diff.walk(expected, actual, "", "", "");
  diff.finish(report);
  return report;
}

DiffReport diff_paths(const std::string& expected, const std::string& actual, const DiffOptions& options) {
  const Kind ek = kind_of(expected), ak = kind_of(actual);
  if (ek == Kind::missing) fail_usage(expected + ": no such file or directory (EXPECTED)");
  if (ak == Kind::missing) fail_usage(actual + ": no such file or directory (ACTUAL)");
  if (ek != ak)
    fail_usage(actual + ": is a " + (ak == Kind::directory ? "directory" : "file") + " but EXPECTED " + expected +
               " is a " + (ek == Kind::directory ? "directory" : "file"));
  DiffReport report;
  if (ek == Kind::file) {
    const std::string name = base_name(actual);
    report.files.push_back(name);
    diff_file(expected, actual, name, options, report);
    return report;
  }
  const std::set<std::string> e_files = list_files(expected), a_files = list_files(actual);
  std::set<std::string> all = e_files;
  all.insert(a_files.begin(), a_files.end());
  for (const auto& rel : all) {
    report.files.push_back(rel);
    if (!a_files.count(rel)) report.drifts.push_back(whole_file(rel, "missing in ACTUAL"));
    else if (!e_files.count(rel)) report.drifts.push_back(whole_file(rel, "extra in ACTUAL (not in EXPECTED)"));
    else diff_file(expected + "/" + rel, actual + "/" + rel, rel, options, report);
  }
  return report;
}

}  // namespace attnviz
