#pragma once
// Format sinks: each writes a figure set (figure.h) in one file format. A new format is a
// new Sink, one line in the registry (src/sinks/registry.cpp) and its name in formats.h.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "attnviz/figure.h"

namespace attnviz {

// What the sinks that already ran wrote: later sinks (the result JSON) refer to it.
struct Written {
  std::string dir;                          // the output directory
  std::vector<std::string> paths;           // every file, in the order written
  std::map<std::string, std::string> files; // figure role -> file name (relative to dir)
  nlohmann::json layout;                    // figure role -> what the picture shows: panels, sizes
  std::map<std::pair<size_t, size_t>, std::string> head_arrays;  // (run, layer position) -> file
};

class Sink {
 public:
  virtual ~Sink() = default;
  // Writes its files atomically into written.dir and records them in `written`; throws
  // an output Error naming the file on failure.
  virtual void write(const FigureSet& set, Written& written) const = 0;
};

// Throws a usage Error about option "format" for an unknown name.
std::unique_ptr<Sink> make_sink(const std::string& format);

// Runs the sinks of `formats` (any order; they run in output_formats() order) into `dir`;
// returns the paths written, in order.
std::vector<std::string> write_figures(const FigureSet& set, const std::vector<std::string>& formats,
                                       const std::string& dir);

}  // namespace attnviz
