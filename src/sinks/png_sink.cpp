#include "attnviz/atomic_file.h"
#include "attnviz/render/compose.h"
#include "attnviz/render/grid.h"
#include "attnviz/render/overlay.h"
#include "attnviz/render/png.h"
#include "sink_types.h"

namespace attnviz::sinks {
namespace {

using nlohmann::json;

json overlay_layout(const std::vector<OverlayPanel>& panels, const cv::Mat& png) {
  json list = json::array();
  for (const auto& p : panels) list.push_back({{"title", p.title}, {"corner", p.corner}, {"heat", p.map != nullptr}});
  return {{"panels", list}, {"width", png.cols}, {"height", png.rows}};
}

json grid_layout(const std::vector<GridRow>& rows, const cv::Mat& png) {
  json list = json::array();
  for (const auto& r : rows) {
    json cells = json::array();
    for (const auto& c : r.cells)
      cells.push_back({{"title", c.title}, {"layer", c.layer ? json(c.layer->name) : json()}});
    list.push_back({{"label", r.label}, {"cells", cells}});
  }
  return {{"rows", list}, {"width", png.cols}, {"height", png.rows}};
}

cv::Mat draw(const OverlayFigure& fig, json& layout) {
  std::vector<cv::Mat> strips;
  for (const auto& strip : fig.strips) {
    strips.push_back(render_overlay(as_mat(*strip.image), strip.panels, fig.style));
    if (fig.layout_per_strip) layout[fig.layout_key].push_back(overlay_layout(strip.panels, strips.back()));
  }
  cv::Mat png = fig.layout_per_strip ? stacked(strips) : strips.front();
  if (!fig.layout_per_strip) layout[fig.layout_key] = overlay_layout(fig.strips.front().panels, png);
  return png;
}

cv::Mat draw(const GridFigure& fig, json& layout, const std::string& role) {
  cv::Mat grid = render_grid(fig.rows, fig.style);
  cv::Mat png = beside({render_side_panel(as_mat(*fig.side_image), fig.captions, fig.side_width), grid});
  layout[role] = grid_layout(fig.rows, png);
  return png;
}

}  // namespace

void PngSink::write(const FigureSet& set, Written& written) const {
  for (const auto& figure : set.figures) {
    cv::Mat png;
    if (const auto* overlay = std::get_if<OverlayFigure>(&figure.content)) png = draw(*overlay, written.layout);
    else png = draw(std::get<GridFigure>(figure.content), written.layout, figure.role);
    const std::string path = output_path(written, figure.file);
    write_file_atomic(path, encode_png(png, path));
    written.paths.push_back(path);
    written.files[figure.role] = figure.file;
  }
}

}  // namespace attnviz::sinks
