#include "attnviz/atomic_file.h"
#include "attnviz/report.h"
#include "sink_types.h"

namespace attnviz::sinks {

void JsonSink::write(const FigureSet& set, Written& written) const {
  std::vector<ReportOptions> reports(set.runs.size());
  for (size_t r = 0; r < set.runs.size(); ++r) {
    reports[r].include_matrix = set.include_matrix;
    reports[r].files = written.files;
    for (const auto& [key, file] : written.head_arrays)
      if (key.first == r) reports[r].npy_files[static_cast<int>(key.second)] = file;
  }
  nlohmann::json doc;
  if (set.kind == FigureSet::Kind::single) {
    reports[0].layout = written.layout;
    doc = analysis_json(*set.runs[0], reports[0]);
  } else {
    doc = combined_json(set.runs, reports, kind_name(set.kind), written.layout);
  }
  const std::string path = output_path(written, set.result_file);
  write_file_atomic(path, dump_json(doc));
  written.paths.push_back(path);
}

}  // namespace attnviz::sinks
