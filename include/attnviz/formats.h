#pragma once
// The output formats, by name, in the order their sinks run (a format that refers to
// another's files comes after it). Plain data, so that a front end can check a format
// name without loading the rendering library; each name has its sink in src/sinks/,
// made by make_sink() (sinks.h, src/sinks/registry.cpp).
#include <string>
#include <vector>

namespace attnviz {

inline const std::vector<std::string>& output_formats() {
  static const std::vector<std::string> names = {"npy", "png", "html", "json"};
  return names;
}

}  // namespace attnviz
