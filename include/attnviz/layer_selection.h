#pragma once
// Which layers of a stack to capture, parsed once from "1,5,14,23", "0-3", "-1" (from the
// end) or "all", then resolved against each stack's depth.
#include <string>
#include <vector>

namespace attnviz {

class LayerSelection {
 public:
  LayerSelection() = default;  // all layers

  // Checks the syntax; throws a usage Error about option "layers" naming the spec.
  static LayerSelection parse(const std::string& spec);
  // Exactly these 0-based layers (possibly none), e.g. one model's share of a selection.
  static LayerSelection indices(const std::vector<int>& layers);

  // 0-based indices in the order given, without repeats. Throws a usage Error about
  // option "layers" when a layer does not exist; `where` (e.g. " in stack lm.layers") is
  // appended to the message.
  std::vector<int> resolve(int layer_count, const std::string& where = "") const;

  bool all() const { return all_; }
  const std::string& text() const { return text_; }

 private:
  struct Item {
    long long first = 0, last = 0;         // last == first for a single layer
    std::string first_text, last_text, text;
    bool range = false;
  };
  bool all_ = true;
  std::string text_ = "all";
  std::vector<Item> items_;
};

// Parses a comma list of integers >= `min_value` ("8,16,32"); errors are about option `key`.
std::vector<int> parse_int_list(const std::string& text, const std::string& key, int min_value = 1);

}  // namespace attnviz
