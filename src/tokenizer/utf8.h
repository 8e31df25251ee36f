#pragma once
// UTF-8 as tokenizer.json semantics need it: validation, code-point iteration, and the
// lossy conversion Hugging Face applies when bytes from tokens do not form valid text.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace attnviz::tok {

// Offset of the first byte that does not start or continue a well-formed UTF-8
// sequence (overlong forms, surrogates and values above U+10FFFF are ill-formed).
std::optional<size_t> find_invalid_utf8(std::string_view text);

// Length of the well-formed sequence starting at text[pos], 0 when ill-formed there.
size_t valid_sequence_length(std::string_view text, size_t pos);

// Decodes the code point at text[pos] of valid UTF-8 and advances pos past it.
char32_t next_code_point(std::string_view text, size_t& pos);

void append_utf8(std::string& out, char32_t cp);
std::string utf8_of(char32_t cp);

// Each maximal ill-formed subpart becomes one U+FFFD, as Rust's String::from_utf8_lossy
// does (the Unicode "substitution of maximal subparts" practice).
std::string utf8_lossy(std::string_view bytes);

inline constexpr const char* kReplacementChar = "\xEF\xBF\xBD";  // U+FFFD

}  // namespace attnviz::tok
