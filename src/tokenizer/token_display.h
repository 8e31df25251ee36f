#pragma once
// Token labels for figures and the terminal (the convention of attnviz/hf_tokenizer.h).
#include <string>
#include <string_view>

namespace attnviz::tok {

// `bytes` made visible: ␣ ↵ ⇥ ␍ for space, newline, tab and carriage return, "\xNN"
// for other control characters, "<0xNN>" for bytes that are not complete UTF-8.
std::string visible_label(std::string_view bytes);

}  // namespace attnviz::tok
