#include "token_display.h"

#include <cstdio>

#include "utf8.h"

namespace attnviz::tok {

std::string visible_label(std::string_view bytes) {
  std::string out;
  size_t pos = 0;
  char hex[8];
  while (pos < bytes.size()) {
    const auto b = static_cast<unsigned char>(bytes[pos]);
    const size_t n = valid_sequence_length(bytes, pos);
    if (n == 0) {
      std::snprintf(hex, sizeof hex, "<0x%02X>", b);
      out += hex;
      ++pos;
      continue;
    }
    if (n > 1) {
      out.append(bytes.substr(pos, n));
    } else if (b == ' ') {
      out += "\u2423";  // ␣
    } else if (b == '\n') {
      out += "\u21B5";  // ↵
    } else if (b == '\t') {
      out += "\u21E5";  // ⇥
    } else if (b == '\r') {
      out += "\u240D";  // ␍
    } else if (b < 0x20 || b == 0x7F) {
      std::snprintf(hex, sizeof hex, "\\x%02X", b);
      out += hex;
    } else {
      out += static_cast<char>(b);
    }
    pos += n;
  }
  return out;
}

}  // namespace attnviz::tok
