#include "attnviz/atomic_file.h"
#include "attnviz/npy.h"
#include "sink_types.h"

namespace attnviz::sinks {

void NpySink::write(const FigureSet& set, Written& written) const {
  for (const auto& array : set.head_arrays) {
    const auto& at = set.runs[array.run]->layers[array.position].attention;
    const std::string path = output_path(written, array.file);
    const std::vector<int64_t> shape =
        at.windowed() ? std::vector<int64_t>{at.windows, at.heads, at.tq, at.tk} : std::vector<int64_t>{at.heads, at.tq, at.tk};
    write_file_atomic(path, encode_npy_f32(shape, at.per_head.data()));
    written.paths.push_back(path);
    written.head_arrays[{array.run, array.position}] = array.file;
  }
}

}  // namespace attnviz::sinks
