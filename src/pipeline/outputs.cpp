#include "attnviz/outputs.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>

#include <opencv2/imgcodecs.hpp>

#include "attnviz/atomic_file.h"
#include "attnviz/error.h"
#include "attnviz/npy.h"
#include "attnviz/report.h"

namespace attnviz {
namespace {

std::string join_path(const std::string& dir, const std::string& name) {
  return dir.empty() || dir == "." ? name : (dir.back() == '/' ? dir + name : dir + "/" + name);
}

std::string safe(const std::string& name) {
  std::string out;
  for (char c : name) out += (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_') ? c : '_';
  return out;
}

bool single_stack(const Analysis& a) {
  std::set<std::string> stacks;
  for (const auto& l : a.layers) stacks.insert(l.attention.stack);
  return stacks.size() <= 1;
}

// "layer 5", or "vision.blocks 1" when several stacks are shown.
std::string layer_title(const LayerView& l, bool one_stack) {
  return (one_stack ? std::string("layer") : l.attention.stack) + " " + std::to_string(l.attention.index);
}

std::string quoted(const std::string& s) { return "\u201c" + s + "\u201d"; }

// A map with no attention on the image (e.g. a layer where text cannot see the image)
// says so, instead of showing a flat heat map that looks like a uniform one.
std::string mass_note(const ImageMap& m) { return m.image_mass < 1e-6f ? "no attention on image" : ""; }

// What a figure shows, for the JSON: tests and users can check titles against answers.
nlohmann::json overlay_layout(const std::vector<OverlayPanel>& panels, const cv::Mat& png) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& p : panels) list.push_back({{"title", p.title}, {"corner", p.corner}, {"heat", p.map != nullptr}});
  return {{"panels", list}, {"width", png.cols}, {"height", png.rows}};
}

nlohmann::json grid_layout(const std::vector<GridRow>& rows, const cv::Mat& png) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& r : rows) {
    nlohmann::json cells = nlohmann::json::array();
    for (const auto& c : r.cells)
      cells.push_back({{"title", c.title}, {"layer", c.layer ? nlohmann::json(c.layer->name) : nlohmann::json()}});
    list.push_back({{"label", r.label}, {"cells", cells}});
  }
  return {{"rows", list}, {"width", png.cols}, {"height", png.rows}};
}

struct Writer {
  const OutputOptions& o;
  std::vector<std::string> written;

  std::string name(const std::string& suffix) const { return o.stem + suffix; }

  void png(const std::string& file, const cv::Mat& img) {
    write_file_atomic(join_path(o.dir, file), encode_png(img, join_path(o.dir, file)));
    written.push_back(join_path(o.dir, file));
  }
  void json(const std::string& file, const nlohmann::json& doc) {
    write_file_atomic(join_path(o.dir, file), dump_json(doc));
    written.push_back(join_path(o.dir, file));
  }
  // Unfused heads per layer; returns layer position -> file name.
  std::map<int, std::string> npys(const Analysis& a, const std::string& tag) {
    std::map<int, std::string> files;
    if (!o.npy) return files;
    for (size_t i = 0; i < a.layers.size(); ++i) {
      const auto& at = a.layers[i].attention;
      if (at.per_head.empty()) continue;
      std::string file = name(tag + "." + safe(at.name) + ".npy");
      write_file_atomic(join_path(o.dir, file), encode_npy_f32({at.heads, at.tq, at.tk}, at.per_head.data()));
      written.push_back(join_path(o.dir, file));
      files[static_cast<int>(i)] = file;
    }
    return files;
  }
};

GridRow grid_row(const Analysis& a, const std::vector<int>& columns, const std::string& label) {
  GridRow row;
  row.label = label;
  for (int index : columns) {
    GridCell cell;
    cell.title = "layer " + std::to_string(index);
    for (const auto& l : a.layers)
      if (l.attention.index == index) {
        cell.layer = &l.attention;
        cell.spans = l.spans;
        break;
      }
    row.cells.push_back(cell);
  }
  return row;
}

std::string row_label(const Analysis& a) {
  std::string label = a.model_name;
  if (!a.answer.empty()) label += "  ·  " + quoted(a.answer);
  return label;
}

}  // namespace

void ensure_directory(const std::string& dir) {
  if (dir.empty() || dir == ".") return;
  std::string cur;
  for (size_t i = 0; i <= dir.size(); ++i) {
    if (i == dir.size() || dir[i] == '/') {
      if (!cur.empty() && cur != "/") {
        struct stat st {};
        if (stat(cur.c_str(), &st) == 0) {
          if (!S_ISDIR(st.st_mode)) fail(ExitCode::output, dir + ": cannot create output directory (" + cur + " is a file)");
        } else if (mkdir(cur.c_str(), 0755) != 0 && errno != EEXIST) {
          fail(ExitCode::output, dir + ": cannot create output directory (" + std::strerror(errno) + ")");
        }
      }
    }
    if (i < dir.size()) cur += dir[i];
  }
  if (access(dir.c_str(), W_OK) != 0) fail(ExitCode::output, dir + ": output directory is not writable");
}

std::vector<std::string> write_outputs(const Analysis& a, const OutputOptions& o) {
  Writer w{o, {}};
  ReportOptions report;
  report.include_matrix = o.grid;
  report.npy_files = w.npys(a, "");
  const bool one_stack = single_stack(a);
  if (o.png && o.overlay) {
    std::vector<OverlayPanel> panels;
    panels.push_back({o.label.empty() ? (a.answer.empty() ? "input" : quoted(a.answer)) : o.label, "", nullptr});
    for (const auto& l : a.layers)
      if (l.map) panels.push_back({layer_title(l, one_stack), mass_note(*l.map), &*l.map});
    if (o.per_token && !a.answer_ids.empty() && panels.size() > 1) {
      // One strip per answer token: where the model looked when it produced that token.
      std::vector<cv::Mat> strips;
      for (size_t t = 0; t < a.answer_ids.size(); ++t) {
        std::vector<OverlayPanel> row;
        const std::string token = a.tokens.size() > a.prompt_ids.size() + t ? a.tokens[a.prompt_ids.size() + t] : "";
        row.push_back({quoted(token), std::to_string(t + 1) + "/" + std::to_string(a.answer_ids.size()), nullptr});
        for (const auto& l : a.layers)
          if (t < l.token_maps.size()) row.push_back({layer_title(l, one_stack), mass_note(l.token_maps[t]), &l.token_maps[t]});
        strips.push_back(render_overlay(a.image, row, o.overlay_style));
        report.layout["overlay_tokens"].push_back(overlay_layout(row, strips.back()));
      }
      cv::Mat png = stacked(strips);
      w.png(w.name(".overlay.png"), png);
      report.files["overlay"] = w.name(".overlay.png");
    } else if (panels.size() > 1) {
      cv::Mat png = render_overlay(a.image, panels, o.overlay_style);
      w.png(w.name(".overlay.png"), png);
      report.files["overlay"] = w.name(".overlay.png");
      report.layout["overlay"] = overlay_layout(panels, png);
    }
  }
  if (o.png && o.grid) {
    std::vector<GridRow> rows;
    if (one_stack) {
      std::vector<int> columns;
      for (const auto& l : a.layers) columns.push_back(l.attention.index);
      rows.push_back(grid_row(a, columns, row_label(a)));
    } else {
      for (const auto& l : a.layers) {
        if (rows.empty() || rows.back().label != l.attention.stack) rows.push_back({l.attention.stack, {}});
        rows.back().cells.push_back({layer_title(l, true), &l.attention, l.spans});
      }
    }
    cv::Mat grid = render_grid(rows, o.grid_style);
    std::vector<Caption> captions;
    if (!a.prompt.empty()) captions.push_back({"prompt", a.prompt, -1});
    if (!a.answer.empty()) captions.push_back({"answer", a.answer, 0});
    cv::Mat png = beside({render_side_panel(a.image, captions, 260), grid});
    w.png(w.name(".grid.png"), png);
    report.files["grid"] = w.name(".grid.png");
    report.layout["grid"] = grid_layout(rows, png);
  }
  if (o.json) w.json(w.name(".json"), analysis_json(a, report));
  return w.written;
}

std::vector<std::string> write_budget_outputs(const std::vector<Analysis>& runs, const OutputOptions& o) {
  Writer w{o, {}};
  std::vector<ReportOptions> reports(runs.size());
  for (size_t r = 0; r < runs.size(); ++r) {
    reports[r].include_matrix = o.grid;
    reports[r].npy_files = w.npys(runs[r], ".budget" + std::to_string(runs[r].budget));
  }
  std::string overlay_file;
  nlohmann::json layout;
  if (o.png && o.overlay && !runs.empty()) {
    std::vector<cv::Mat> strips;
    OverlayStyle style = o.overlay_style;
    style.merge_equal_titles = true;
    const size_t layer_count = runs.front().layers.size();
    for (size_t l = 0; l < layer_count; ++l) {
      std::vector<OverlayPanel> panels;
      panels.push_back({o.label.empty() ? "input" : o.label, "", nullptr});
      for (const auto& run : runs) {
        if (l >= run.layers.size() || !run.layers[l].map) continue;
        std::string corner = std::to_string(run.budget);
        if (layer_count > 1) corner += " · L" + std::to_string(run.layers[l].attention.index);
        panels.push_back({run.answer.empty() ? "(no answer)" : quoted(run.answer), corner, &*run.layers[l].map});
      }
      if (panels.size() > 1) {
        strips.push_back(render_overlay(runs.front().image, panels, style));
        layout["strips"].push_back(overlay_layout(panels, strips.back()));
      }
    }
    if (!strips.empty()) {
      overlay_file = w.name(".budgets.png");
      w.png(overlay_file, stacked(strips));
    }
  }
  for (auto& r : reports)
    if (!overlay_file.empty()) r.files["overlay"] = overlay_file;
  if (o.json) {
    std::vector<const Analysis*> ptrs;
    for (const auto& r : runs) ptrs.push_back(&r);
    w.json(w.name(".budgets.json"), combined_json(ptrs, reports, "budgets", layout));
  }
  return w.written;
}

std::vector<std::string> write_model_outputs(const std::vector<Analysis>& runs, const OutputOptions& o) {
  Writer w{o, {}};
  std::vector<ReportOptions> reports(runs.size());
  for (size_t r = 0; r < runs.size(); ++r) {
    reports[r].include_matrix = o.grid;
    reports[r].npy_files = w.npys(runs[r], ".model" + std::to_string(r));
  }
  std::set<int> column_set;
  for (const auto& run : runs)
    for (const auto& l : run.layers) column_set.insert(l.attention.index);
  const std::vector<int> columns(column_set.begin(), column_set.end());
  std::map<std::string, std::string> files;
  nlohmann::json layout;
  if (o.png && o.grid && !runs.empty()) {
    std::vector<GridRow> rows;
    std::vector<Caption> captions;
    if (!runs.front().prompt.empty()) captions.push_back({"prompt", runs.front().prompt, -1});
    for (size_t r = 0; r < runs.size(); ++r) {
      rows.push_back(grid_row(runs[r], columns, row_label(runs[r])));
      captions.push_back({runs[r].model_name, runs[r].answer.empty() ? "(no answer)" : runs[r].answer,
                          static_cast<int>(r)});
    }
    files["grid"] = w.name(".models.grid.png");
    cv::Mat png = beside({render_side_panel(runs.front().image, captions, 260), render_grid(rows, o.grid_style)});
    w.png(files["grid"], png);
    layout["grid"] = grid_layout(rows, png);
  }
  if (o.png && o.overlay && !runs.empty()) {
    std::vector<cv::Mat> strips;
    for (const auto& run : runs) {
      std::vector<OverlayPanel> panels;
      panels.push_back({run.model_name + (run.answer.empty() ? "" : ": " + quoted(run.answer)), "", nullptr});
      for (const auto& l : run.layers)
        if (l.map) panels.push_back({layer_title(l, true), mass_note(*l.map), &*l.map});
      if (panels.size() > 1) {
        strips.push_back(render_overlay(run.image, panels, o.overlay_style));
        layout["overlay"].push_back(overlay_layout(panels, strips.back()));
      }
    }
    if (!strips.empty()) {
      files["overlay"] = w.name(".models.overlay.png");
      w.png(files["overlay"], stacked(strips));
    }
  }
  for (auto& r : reports) r.files = files;
  if (o.json) {
    std::vector<const Analysis*> ptrs;
    for (const auto& r : runs) ptrs.push_back(&r);
    w.json(w.name(".models.json"), combined_json(ptrs, reports, "models", layout));
  }
  return w.written;
}

}  // namespace attnviz
