#pragma once
// The model zoo made by tests/fixtures/make_zoo.py at test time: where it is, and the
// NAME.ref.json that says what a correct tool reports for each model.
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "attnviz/npy.h"
#include "test_support.h"

#ifndef ATTNVIZ_DEFAULT_ZOO
#error "define ATTNVIZ_DEFAULT_ZOO (the directory make_zoo.py writes) for this test target"
#endif

namespace attnviz::test {

// ATTNVIZ_ZOO, else the build tree's zoo directory.
inline std::string zoo_dir() {
  const char* v = std::getenv("ATTNVIZ_ZOO");
  return v && *v ? v : ATTNVIZ_DEFAULT_ZOO;
}

struct ZooModel {
  std::string name;
  nlohmann::json ref;
  std::string file(const std::string& relative) const { return zoo_dir() + "/" + relative; }
  std::string model() const { return file(ref["model"].get<std::string>()); }
  std::string image() const { return file(ref["image"].get<std::string>()); }
  NpyArray npy(const std::string& relative) const { return read_npy(file(relative)); }
};

inline ZooModel zoo_model(const std::string& name) {
  return {name, nlohmann::json::parse(read_text(zoo_dir() + "/" + name + ".ref.json"))};
}

// Model names of one family ("vit", "swin", "llava", "error", ...), in zoo.json's order.
inline std::vector<std::string> zoo_family(const std::string& family) {
  auto index = nlohmann::json::parse(read_text(zoo_dir() + "/zoo.json"));
  return index.at("families").at(family).get<std::vector<std::string>>();
}

// The segment of a stack's layout that holds the image: {"image": [h, w]} -> offset, grid.
struct ImageSegment {
  int offset = 0;
  int h = 0, w = 0;
};

inline ImageSegment image_segment(const nlohmann::json& stack) {
  ImageSegment s;
  for (const auto& seg : stack.at("layout")) {
    if (seg.contains("image")) {
      s.h = seg["image"][0];
      s.w = seg["image"][1];
      return s;
    }
    const auto& n = seg.begin().value();
    if (!n.is_number_integer()) throw std::runtime_error("layout: a sized segment must precede the image");
    s.offset += n.get<int>();
  }
  throw std::runtime_error("layout without an image segment");
}

inline const nlohmann::json& zoo_stack(const ZooModel& m, const std::string& stack) {
  for (const auto& s : m.ref.at("stacks"))
    if (s.at("name") == stack) return s;
  throw std::runtime_error(m.name + ": no stack " + stack);
}

}  // namespace attnviz::test
