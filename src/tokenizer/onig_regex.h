#pragma once
// The split and replace patterns of tokenizer.json. Hugging Face compiles them with
// Oniguruma (Ruby syntax); PCRE2 runs them here, with the few escapes whose meaning
// differs rewritten (see onig_regex.cpp), and matches are iterated the way the onig crate's
// find_iter does, so that splits agree with Hugging Face's even on empty matches.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace attnviz::tok {

// One piece of a text cut by a pattern: the pieces are contiguous, in order, and cover
// the whole text.
struct PatternPiece {
  size_t start = 0;
  size_t end = 0;
  bool is_match = false;
};

class Regex {
 public:
  // `literal`: the pattern is a plain string (tokenizer.json's {"String": ...}).
  // Throws a model Error naming `where` when the pattern does not compile.
  Regex(const std::string& pattern, bool literal, const std::string& where);

  // Hugging Face's Pattern::find_matches: an empty text gives one empty non-match.
  std::vector<PatternPiece> find_matches(std::string_view text) const;

 private:
  struct Compiled;
  std::shared_ptr<const Compiled> compiled_;
  std::string where_;
};

// The Oniguruma (Ruby syntax) escapes rewritten for PCRE2: \s and \S to the White_Space
// set (PCRE2's \s also takes U+180E), \h and \H to hex digits. Exposed for tests.
std::string onig_to_pcre2(const std::string& pattern);

}  // namespace attnviz::tok
