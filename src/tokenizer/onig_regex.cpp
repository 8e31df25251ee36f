#include "onig_regex.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "attnviz/error.h"
#include "utf8.h"

namespace attnviz::tok {
namespace {

// Unicode White_Space, which Oniguruma's \s matches with a UTF-8 encoding.
constexpr const char* kWhiteSpaceSet =
    "\\t-\\r\\x{20}\\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}";
constexpr const char* kHexDigitSet = "0-9a-fA-F";

std::string pcre2_message(int code) {
  PCRE2_UCHAR buffer[256];
  pcre2_get_error_message(code, buffer, sizeof buffer);
  return reinterpret_cast<const char*>(buffer);
}

}  // namespace

std::string onig_to_pcre2(const std::string& pattern) {
  std::string out;
  out.reserve(pattern.size() + 16);
  int class_depth = 0;
  for (size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '\\' && i + 1 < pattern.size()) {
      const char n = pattern[++i];
      const char* set = (n == 's' || n == 'S') ? kWhiteSpaceSet : (n == 'h' || n == 'H') ? kHexDigitSet : nullptr;
      const bool negated = n == 'S' || n == 'H';
      if (set && class_depth > 0 && !negated) {
        out += set;
      } else if (set && class_depth == 0) {
        out += negated ? "[^" : "[";
        out += set;
        out += "]";
      } else {
        // A negated set inside a class has no PCRE2 spelling; kept as written.
        out += c;
        out += n;
      }
      continue;
    }
    out += c;
    if (c == '[') {
      if (class_depth > 0 && i + 1 < pattern.size() && pattern[i + 1] == ':') {
        const size_t close = pattern.find(":]", i + 2);
        if (close != std::string::npos) {
          out.append(pattern, i + 1, close + 2 - (i + 1));
          i = close + 1;
          continue;
        }
      }
      ++class_depth;
      // A ']' right after '[' or '[^' is a literal member, not the end of the class.
      if (i + 1 < pattern.size() && pattern[i + 1] == '^') out += pattern[++i];
      if (i + 1 < pattern.size() && pattern[i + 1] == ']') out += pattern[++i];
    } else if (c == ']' && class_depth > 0) {
      --class_depth;
    }
  }
  return out;
}

struct Regex::Compiled {
  pcre2_code* code = nullptr;
  ~Compiled() { pcre2_code_free(code); }
};

Regex::Regex(const std::string& pattern, bool literal, const std::string& where) : where_(where) {
  const std::string source = literal ? pattern : onig_to_pcre2(pattern);
  // Oniguruma's Ruby syntax: ^ and $ always match at line boundaries.
  uint32_t options = PCRE2_UTF | (literal ? PCRE2_LITERAL : PCRE2_UCP | PCRE2_MULTILINE);
  int error = 0;
  PCRE2_SIZE offset = 0;
  auto compiled = std::make_shared<Compiled>();
  compiled->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(source.data()), source.size(), options, &error,
                                 &offset, nullptr);
  if (!compiled->code) {
    fail(ExitCode::model, where + ": pattern " + pattern + " does not compile: " + pcre2_message(error) +
                              " (at offset " + std::to_string(offset) + ")");
  }
  pcre2_jit_compile(compiled->code, PCRE2_JIT_COMPLETE);  // without JIT it still matches, slower
  compiled_ = std::move(compiled);
}

std::vector<PatternPiece> Regex::find_matches(std::string_view text) const {
  if (text.empty()) return {{0, 0, false}};
  std::unique_ptr<pcre2_match_data, decltype(&pcre2_match_data_free)> data(
      pcre2_match_data_create_from_pattern(compiled_->code, nullptr), &pcre2_match_data_free);
  const auto subject = reinterpret_cast<PCRE2_SPTR>(text.data());

  std::vector<PatternPiece> pieces;
  size_t prev = 0;
  size_t search_from = 0;
  bool skip_next_empty = false;
  while (search_from <= text.size()) {
    int rc = pcre2_match(compiled_->code, subject, text.size(), search_from, PCRE2_NO_UTF_CHECK, data.get(), nullptr);
    if (rc == PCRE2_ERROR_JIT_STACKLIMIT) {
      rc = pcre2_match(compiled_->code, subject, text.size(), search_from, PCRE2_NO_UTF_CHECK | PCRE2_NO_JIT,
                       data.get(), nullptr);
    }
    if (rc == PCRE2_ERROR_NOMATCH) break;
    if (rc < 0) fail(ExitCode::usage, where_ + ": pattern matching failed: " + pcre2_message(rc));
    const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(data.get());
    const size_t start = ovector[0];
    const size_t end = ovector[1];
    // The onig crate's find_iter: after an empty match the search moves one character on,
    // and the first empty match after a non-empty one is dropped.
    search_from = end;
    if (start == end) {
      search_from += end < text.size() ? std::max<size_t>(1, valid_sequence_length(text, end)) : 1;
      if (skip_next_empty) {
        skip_next_empty = false;
        continue;
      }
    } else {
      skip_next_empty = true;
    }
    if (prev != start) pieces.push_back({prev, start, false});
    pieces.push_back({start, end, true});
    prev = end;
  }
  if (prev != text.size()) pieces.push_back({prev, text.size(), false});
  return pieces;
}

}  // namespace attnviz::tok
