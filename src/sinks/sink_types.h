#pragma once
// The built-in sinks (registered in registry.cpp).
#include <string>

#include "attnviz/sinks.h"

namespace attnviz::sinks {

// Each figure as one PNG; records the picture's layout for the result JSON.
class PngSink : public Sink {
 public:
  void write(const FigureSet& set, Written& written) const override;
};

// The result JSON (docs/json-format.md): the numbers behind the pictures.
class JsonSink : public Sink {
 public:
  void write(const FigureSet& set, Written& written) const override;
};

// One self-contained interactive page (docs/html.md).
class HtmlSink : public Sink {
 public:
  void write(const FigureSet& set, Written& written) const override;
};

// Each layer's unfused heads [heads, tq, tk] as a float32 .npy.
class NpySink : public Sink {
 public:
  void write(const FigureSet& set, Written& written) const override;
};

// The output directory joined with a file name.
std::string output_path(const Written& written, const std::string& file);

}  // namespace attnviz::sinks
