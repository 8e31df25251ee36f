#pragma once
// GPT-2's byte-level alphabet: every byte stands for one printable code point (printable
// Latin-1 bytes for themselves, the others for U+0100 onwards), so that byte-level BPE
// vocabularies are valid text. "Ġ" (U+0120) is the space byte, "Ċ" (U+010A) the newline.
#include <optional>
#include <string>
#include <string_view>

namespace attnviz::tok {

// The UTF-8 of the code point standing for `byte`.
const std::string& byte_level_char(unsigned char byte);

// The byte a code point stands for; none when it is not in the alphabet.
std::optional<unsigned char> byte_level_byte(char32_t cp);

// Every byte of `text` as its alphabet character.
std::string to_byte_level(std::string_view text);

// The bytes of a byte-level token; none when a character is outside the alphabet.
std::optional<std::string> from_byte_level(std::string_view token);

}  // namespace attnviz::tok
