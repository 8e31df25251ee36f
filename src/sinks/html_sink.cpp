#include "attnviz/atomic_file.h"
#include "attnviz/html_from_analysis.h"
#include "attnviz/render/colormap.h"
#include "sink_types.h"

namespace attnviz::sinks {

void HtmlSink::write(const FigureSet& set, Written& written) const {
  HtmlReport report = html_report_of(set.runs, kind_name(set.kind));
  report.colormap = colormap_name(set.overlay_style.colormap);
  report.alpha = set.overlay_style.alpha;
  report.log_scale = set.grid_style.log_scale;
  const std::string file = set.basename + ".html";
  const std::string path = output_path(written, file);
  write_file_atomic(path, render_html_report(report));
  written.paths.push_back(path);
  written.files["html"] = file;
}

}  // namespace attnviz::sinks
