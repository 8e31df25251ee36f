#pragma once
#include <string>
#include <vector>

namespace attnviz {

// Parses "1,5,14,23", "0-3", "-1" (from the end) or "all" against a stack of
// `layer_count` layers. Returns 0-based indices in the order given, without repeats.
// Throws a usage Error naming the spec and the valid range.
std::vector<int> parse_layer_spec(const std::string& spec, int layer_count);

// Parses a comma list of integers >= `min_value` ("8,16,32"); `what` names the option.
std::vector<int> parse_int_list(const std::string& text, const std::string& what, int min_value = 1);

}  // namespace attnviz
