#include <algorithm>
#include <filesystem>
#include <functional>
#include <map>

#include "attnviz/atomic_file.h"
#include "attnviz/error.h"
#include "attnviz/formats.h"
#include "attnviz/sinks.h"
#include "sink_types.h"

namespace attnviz {
namespace {

// One line per format; output_formats() (formats.h) says the order they run in.
const std::map<std::string, std::function<std::unique_ptr<Sink>()>>& factories() {
  static const std::map<std::string, std::function<std::unique_ptr<Sink>()>> sinks = {
      {"npy", [] { return std::make_unique<sinks::NpySink>(); }},
      {"png", [] { return std::make_unique<sinks::PngSink>(); }},
      {"html", [] { return std::make_unique<sinks::HtmlSink>(); }},
      {"json", [] { return std::make_unique<sinks::JsonSink>(); }},
  };
  return sinks;
}

}  // namespace

std::unique_ptr<Sink> make_sink(const std::string& format) {
  auto it = factories().find(format);
  if (it != factories().end()) return it->second();
  std::string names;
  for (const auto& name : output_formats()) names += (names.empty() ? "" : ", ") + name;
  fail_option("format", " '" + format + "': unknown format (" + names + ")");
}

std::vector<std::string> write_figures(const FigureSet& set, const std::vector<std::string>& formats,
                                       const std::string& dir) {
  for (const auto& f : formats) make_sink(f);  // an unknown name is an error, not a no-op
  Written written;
  written.dir = dir;
  for (const auto& name : output_formats())
    if (std::find(formats.begin(), formats.end(), name) != formats.end()) make_sink(name)->write(set, written);
  return written.paths;
}

namespace sinks {

std::string output_path(const Written& written, const std::string& file) { return join_path(written.dir, file); }

}  // namespace sinks
}  // namespace attnviz
