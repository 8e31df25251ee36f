#include "byte_level_alphabet.h"

#include <array>

#include "utf8.h"

namespace attnviz::tok {
namespace {

struct Alphabet {
  std::array<std::string, 256> chars;
  std::array<int, 512> bytes;  // code point (all below U+0200) -> byte, -1 when none

  Alphabet() {
    bytes.fill(-1);
    auto printable = [](int b) { return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF); };
    int next_extra = 0;
    for (int b = 0; b < 256; ++b) {
      const char32_t cp = printable(b) ? static_cast<char32_t>(b) : static_cast<char32_t>(256 + next_extra++);
      chars[b] = utf8_of(cp);
      bytes[cp] = b;
    }
  }
};

const Alphabet& alphabet() {
  static const Alphabet instance;
  return instance;
}

}  // namespace

const std::string& byte_level_char(unsigned char byte) { return alphabet().chars[byte]; }

std::optional<unsigned char> byte_level_byte(char32_t cp) {
  if (cp >= 512 || alphabet().bytes[cp] < 0) return std::nullopt;
  return static_cast<unsigned char>(alphabet().bytes[cp]);
}

std::string to_byte_level(std::string_view text) {
  const Alphabet& a = alphabet();
  std::string out;
  out.reserve(text.size() * 2);
  for (char c : text) out += a.chars[static_cast<unsigned char>(c)];
  return out;
}

std::optional<std::string> from_byte_level(std::string_view token) {
  std::string out;
  size_t pos = 0;
  while (pos < token.size()) {
    if (valid_sequence_length(token, pos) == 0) return std::nullopt;
    const auto byte = byte_level_byte(next_code_point(token, pos));
    if (!byte) return std::nullopt;
    out += static_cast<char>(*byte);
  }
  return out;
}

}  // namespace attnviz::tok
