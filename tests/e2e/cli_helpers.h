#pragma once
// What the CLI tests share: fixture paths and a sample image on disk.
#include <string>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "noise_image.h"
#include "test_support.h"

namespace attnviz::test {

inline std::string fixture_model(const std::string& name) { return fixtures_dir() + "/" + name + ".pt"; }

inline std::string write_sample_image(const TempDir& dir, const std::string& name, int h = 40, int w = 40) {
  std::string path = dir.file(name);
  cv::imwrite(path, noise(h, w, CV_8UC3, 11));
  return path;
}

// Exactly one line on stderr (the error), naming `subject`.
// stderr holds one error line, naming `subject`, and otherwise warnings (what attnviz
// inferred or could not honour, reported as it goes); or, with no error, warnings of which
// one names `subject` (a refusal that is not an error).
inline bool one_line_naming(const std::string& err, const std::string& subject) {
  std::string error;
  int warnings_naming = 0;
  size_t start = 0;
  while (start < err.size()) {
    const size_t end = err.find('\n', start);
    if (end == std::string::npos) return false;  // every line ends with a newline
    const std::string line = err.substr(start, end - start);
    if (line.rfind("attnviz: warning: ", 0) != 0) {
      if (!error.empty()) return false;
      error = line;
    } else if (line.find(subject) != std::string::npos) {
      ++warnings_naming;
    }
    start = end + 1;
  }
  if (error.empty()) return warnings_naming > 0;
  return error.find(subject) != std::string::npos;
}

}  // namespace attnviz::test
