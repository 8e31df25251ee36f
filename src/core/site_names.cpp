#include "attnviz/site_names.h"

#include <cctype>
#include <vector>

namespace attnviz {
namespace {

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> parts;
  std::string cur;
  for (char c : path) {
    if (c == '.') {
      parts.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  parts.push_back(cur);
  return parts;
}

// "3" or "encoder_layer_3": a repeated layer's instance name.
bool is_numbered(const std::string& part) {
  if (part.empty()) return false;
  size_t digits = 0;
  while (digits < part.size() && std::isdigit(static_cast<unsigned char>(part[part.size() - 1 - digits])))
    ++digits;
  if (digits == part.size()) return true;
  return digits > 0 && part[part.size() - 1 - digits] == '_';
}

std::string join(const std::vector<std::string>& parts, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += (i ? "." : "") + parts[i];
  return out;
}

}  // namespace

std::string stack_of(const std::string& site_path) {
  auto path = site_path.substr(0, site_path.find('#'));
  auto parts = split_path(path);
  for (size_t i = 0; i < parts.size(); ++i)
    if (is_numbered(parts[i])) return i == 0 ? parts[0] : join(parts, i);
  return parts.size() > 1 ? join(parts, parts.size() - 1) : parts[0];
}

bool stack_matches(const std::string& spec, const std::string& stack) {
  if (spec == stack) return true;
  return stack.size() > spec.size() && stack.compare(0, spec.size(), spec) == 0 &&
         stack[spec.size()] == '.';
}

}  // namespace attnviz
