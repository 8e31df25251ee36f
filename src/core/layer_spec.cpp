#include "attnviz/layer_spec.h"

#include <algorithm>
#include <cctype>

#include "attnviz/error.h"

namespace attnviz {
namespace {

std::string trim(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t pos = s.find(sep, start);
    out.push_back(s.substr(start, pos - start));
    if (pos == std::string::npos) break;
    start = pos + 1;
  }
  return out;
}

// A whole signed integer, or nothing.
bool parse_int(const std::string& text, long long& value) {
  std::string t = trim(text);
  if (t.empty() || t.size() > 12) return false;
  size_t i = (t[0] == '-' || t[0] == '+') ? 1 : 0;
  if (i == t.size()) return false;
  for (size_t j = i; j < t.size(); ++j)
    if (!std::isdigit(static_cast<unsigned char>(t[j]))) return false;
  value = std::stoll(t);
  return true;
}

std::string range_text(int count) {
  return count == 0 ? "the stack has no layers"
                    : "valid: 0-" + std::to_string(count - 1) + ", or -" + std::to_string(count) +
                          "..-1 from the end";
}

}  // namespace

std::vector<int> parse_layer_spec(const std::string& spec, int layer_count) {
  const std::string what = "--layers '" + spec + "'";
  if (trim(spec) == "all") {
    std::vector<int> all(layer_count);
    for (int i = 0; i < layer_count; ++i) all[i] = i;
    return all;
  }
  auto resolve = [&](long long v, const std::string& item) {
    long long r = v < 0 ? layer_count + v : v;
    if (r < 0 || r >= layer_count)
      fail_usage(what + ": layer " + trim(item) + " does not exist (" + range_text(layer_count) + ")");
    return static_cast<int>(r);
  };
  std::vector<int> out;
  auto add = [&](int v) {
    if (std::find(out.begin(), out.end(), v) == out.end()) out.push_back(v);
  };
  if (trim(spec).empty()) fail_usage(what + ": empty layer list");
  for (const auto& raw : split(spec, ',')) {
    std::string item = trim(raw);
    if (item.empty()) fail_usage(what + ": empty item (expected e.g. 1,5,14,23 or 0-3 or -1)");
    long long single;
    if (parse_int(item, single)) {
      add(resolve(single, item));
      continue;
    }
    // A range "A-B"; A and B may be negative ("-3--1"), so split at a '-' that follows a digit.
    size_t dash = std::string::npos;
    for (size_t i = 1; i < item.size(); ++i)
      if (item[i] == '-' && std::isdigit(static_cast<unsigned char>(item[i - 1]))) {
        dash = i;
        break;
      }
    long long a, b;
    if (dash == std::string::npos || !parse_int(item.substr(0, dash), a) ||
        !parse_int(item.substr(dash + 1), b))
      fail_usage(what + ": '" + item + "' is not a layer, a range A-B, or 'all'");
    int ra = resolve(a, item.substr(0, dash)), rb = resolve(b, item.substr(dash + 1));
    if (ra > rb) fail_usage(what + ": range '" + item + "' runs backwards");
    for (int v = ra; v <= rb; ++v) add(v);
  }
  return out;
}

std::vector<int> parse_int_list(const std::string& text, const std::string& what, int min_value) {
  std::vector<int> out;
  for (const auto& item : split(text, ',')) {
    long long v;
    if (!parse_int(item, v) || v < min_value || v > 100'000'000)
      fail_usage(what + " '" + text + "': '" + trim(item) + "' is not " +
                 (min_value == 0 ? "a non-negative" : "a positive") + " integer");
    out.push_back(static_cast<int>(v));
  }
  return out;
}

}  // namespace attnviz
