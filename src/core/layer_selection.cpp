#include "attnviz/layer_selection.h"

#include <algorithm>
#include <cctype>

#include "attnviz/error.h"
#include "attnviz/strings.h"

namespace attnviz {
namespace {

constexpr long long kMaxLayer = 100'000'000'000LL;

std::string range_text(int count) {
  return count == 0 ? "the stack has no layers"
                    : "valid: 0-" + std::to_string(count - 1) + ", or -" + std::to_string(count) +
                          "..-1 from the end";
}

std::optional<long long> layer_number(const std::string& text) {
  return parse_integer(trim(text), -kMaxLayer, kMaxLayer);
}

}  // namespace

LayerSelection LayerSelection::parse(const std::string& spec) {
  LayerSelection s;
  s.text_ = spec;
  if (trim(spec) == "all") return s;
  s.all_ = false;
  const std::string quoted = " '" + spec + "'";
  if (trim(spec).empty()) fail_option("layers", quoted + ": empty layer list");
  for (const auto& raw : split(spec, ',')) {
    Item item;
    item.text = trim(raw);
    if (item.text.empty()) fail_option("layers", quoted + ": empty item (expected e.g. 1,5,14,23 or 0-3 or -1)");
    if (auto single = layer_number(item.text)) {
      item.first = item.last = *single;
      item.first_text = item.last_text = item.text;
      s.items_.push_back(item);
      continue;
    }
    // A range "A-B"; A and B may be negative ("-3--1"), so split at a '-' that follows a digit.
    size_t dash = std::string::npos;
    for (size_t i = 1; i < item.text.size(); ++i)
      if (item.text[i] == '-' && std::isdigit(static_cast<unsigned char>(item.text[i - 1]))) {
        dash = i;
        break;
      }
    std::optional<long long> a, b;
    if (dash != std::string::npos) {
      a = layer_number(item.text.substr(0, dash));
      b = layer_number(item.text.substr(dash + 1));
    }
    if (!a || !b) fail_option("layers", quoted + ": '" + item.text + "' is not a layer, a range A-B, or 'all'");
    item.range = true;
    item.first = *a;
    item.last = *b;
    item.first_text = trim(item.text.substr(0, dash));
    item.last_text = trim(item.text.substr(dash + 1));
    s.items_.push_back(item);
  }
  return s;
}

LayerSelection LayerSelection::indices(const std::vector<int>& layers) {
  LayerSelection s;
  s.all_ = false;
  s.text_.clear();
  for (int l : layers) {
    s.text_ += (s.text_.empty() ? "" : ",") + std::to_string(l);
    s.items_.push_back({l, l, std::to_string(l), std::to_string(l), std::to_string(l), false});
  }
  return s;
}

std::vector<int> LayerSelection::resolve(int layer_count, const std::string& where) const {
  std::vector<int> out;
  if (all_) {
    for (int i = 0; i < layer_count; ++i) out.push_back(i);
    return out;
  }
  const std::string quoted = " '" + text_ + "'";
  auto index = [&](long long v, const std::string& text) {
    long long r = v < 0 ? layer_count + v : v;
    if (r < 0 || r >= layer_count)
      fail_option("layers", quoted + ": layer " + text + " does not exist (" + range_text(layer_count) + ")" + where);
    return static_cast<int>(r);
  };
  auto add = [&](int v) {
    if (std::find(out.begin(), out.end(), v) == out.end()) out.push_back(v);
  };
  for (const auto& item : items_) {
    const int a = index(item.first, item.first_text);
    const int b = index(item.last, item.last_text);
    if (a > b) fail_option("layers", quoted + ": range '" + item.text + "' runs backwards" + where);
    for (int v = a; v <= b; ++v) add(v);
  }
  return out;
}

std::vector<int> parse_int_list(const std::string& text, const std::string& key, int min_value) {
  std::vector<int> out;
  for (const auto& item : split(text, ',')) {
    auto v = parse_integer(trim(item), min_value, 100'000'000);
    if (!v)
      fail_option(key, " '" + text + "': '" + trim(item) + "' is not " +
                           (min_value == 0 ? "a non-negative" : "a positive") + " integer");
    out.push_back(static_cast<int>(*v));
  }
  return out;
}

}  // namespace attnviz
