#pragma once
// The Unicode facts tokenizer.json semantics rest on, from ICU: the character classes
// Rust uses (char::is_whitespace, regex \w) and NFC normalisation.
#include <string>
#include <string_view>

namespace attnviz::tok {

// The White_Space property (Rust's char::is_whitespace, regex \s).
bool is_white_space(char32_t cp);

// Rust regex's Unicode \w: Alphabetic, marks, decimal digits, connector punctuation
// and Join_Control.
bool is_word_char(char32_t cp);

// Canonical composition (NFC) of valid UTF-8.
std::string to_nfc(std::string_view text);

}  // namespace attnviz::tok
