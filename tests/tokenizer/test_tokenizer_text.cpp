// The text machinery under HfTokenizer: UTF-8, the Oniguruma-to-PCRE2 patterns and their
// match iteration, split behaviours, the JSON reader and the token tables.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "attnviz/error.h"
#include "pieces.h"
#include "onig_regex.h"
#include "token_table.h"
#include "tokenizer_json.h"
#include "utf8.h"

namespace attnviz::tok {
namespace {

TEST(Utf8, FindsTheFirstIllFormedByte) {
  EXPECT_EQ(find_invalid_utf8("plain \u00e9\u65e5\U0001F600"), std::nullopt);
  EXPECT_EQ(find_invalid_utf8("ab\x80"), 2u);           // lone continuation
  EXPECT_EQ(find_invalid_utf8("a\xC3"), 1u);            // truncated
  EXPECT_EQ(find_invalid_utf8("\xE0\x80\x80"), 0u);     // overlong
  EXPECT_EQ(find_invalid_utf8("\xED\xA0\x80"), 0u);     // surrogate
  EXPECT_EQ(find_invalid_utf8("\xF4\x90\x80\x80"), 0u); // above U+10FFFF
  EXPECT_EQ(find_invalid_utf8("\xF5"), 0u);
}

TEST(Utf8, LossyConversionReplacesMaximalSubparts) {
  EXPECT_EQ(utf8_lossy("a\xF0\x9F\x98" "b"), "a\uFFFDb");
  EXPECT_EQ(utf8_lossy("\xF0\x9F\x98\x80"), "\U0001F600");
  EXPECT_EQ(utf8_lossy("\x80\x80"), "\uFFFD\uFFFD");
  EXPECT_EQ(utf8_lossy("\xE1\x80\xE2\xF0\x91\x92\xF1\xBF\x41"), "\uFFFD\uFFFD\uFFFD\uFFFDA");
}

TEST(OnigPatterns, WhiteSpaceAndHexEscapesAreRewritten) {
  const std::string ws = "\\t-\\r\\x{20}\\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}";
  EXPECT_EQ(onig_to_pcre2("\\s+"), "[" + ws + "]+");
  EXPECT_EQ(onig_to_pcre2("(?!\\S)"), "(?![^" + ws + "])");
  EXPECT_EQ(onig_to_pcre2("[^\\s\\p{L}]"), "[^" + ws + "\\p{L}]");
  EXPECT_EQ(onig_to_pcre2("\\h\\H"), "[0-9a-fA-F][^0-9a-fA-F]");
  EXPECT_EQ(onig_to_pcre2("\\\\s"), "\\\\s");      // an escaped backslash, then "s"
  EXPECT_EQ(onig_to_pcre2("[]\\s]"), "[]" + ws + "]");  // ']' first in a class is a member
  EXPECT_EQ(onig_to_pcre2("[[:alpha:]\\s]"), "[[:alpha:]" + ws + "]");
}

std::vector<std::string> matched(const Regex& re, const std::string& text) {
  std::vector<std::string> out;
  for (const auto& p : re.find_matches(text)) {
    if (p.is_match) out.push_back(text.substr(p.start, p.end - p.start));
  }
  return out;
}

TEST(OnigPatterns, WhiteSpaceIsUnicodeWhiteSpace) {
  const Regex re("\\s+", false, "test");
  EXPECT_EQ(matched(re, "a\u00A0b\u3000c\u0085d"), (std::vector<std::string>{"\u00A0", "\u3000", "\u0085"}));
  EXPECT_TRUE(matched(re, "a\u180Eb\u200Bc").empty());  // not White_Space (PCRE2's own \s takes U+180E)
}

TEST(OnigPatterns, MatchesCoverTheTextAndEmptyMatchesFollowTheOnigCrate) {
  const Regex re("x*", false, "test");
  using P = PatternPiece;
  auto eq = [](const std::vector<P>& a, const std::vector<P>& b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      if (a[i].start != b[i].start || a[i].end != b[i].end || a[i].is_match != b[i].is_match) return false;
    }
    return true;
  };
  EXPECT_TRUE(eq(re.find_matches("ab"), {{0, 0, true}, {0, 1, false}, {1, 1, true}, {1, 2, false}, {2, 2, true}}));
  // The empty match right after a non-empty one is dropped.
  EXPECT_TRUE(eq(re.find_matches("xab"), {{0, 1, true}, {1, 2, false}, {2, 2, true}, {2, 3, false}, {3, 3, true}}));
  EXPECT_TRUE(eq(re.find_matches(""), {{0, 0, false}}));
  const Regex literal("a.", true, "test");
  EXPECT_TRUE(eq(literal.find_matches("ba.ab"), {{0, 1, false}, {1, 3, true}, {3, 5, false}}));
}

TEST(OnigPatterns, ABadPatternNamesItsPlace) {
  try {
    Regex("(?<", false, "tokenizer.json: pre_tokenizer Split");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::model);
    EXPECT_NE(std::string(e.what()).find("tokenizer.json: pre_tokenizer Split: pattern (?< does not compile: "),
              std::string::npos);
  }
}

std::vector<std::string> split_texts(const std::string& text, SplitBehavior behavior, bool invert = false) {
  const Regex dash("-", true, "test");
  std::vector<std::string> out;
  for (const Piece& p : split_piece(Piece{text, true, -1}, dash.find_matches(text), behavior, invert)) out.push_back(p.text);
  return out;
}

TEST(SplitBehaviors, AsHuggingFaceDocumentsThem) {
  // The examples of tokenizers' SplitDelimiterBehavior documentation.
  using V = std::vector<std::string>;
  const std::string text = "the-final--countdown";
  EXPECT_EQ(split_texts(text, SplitBehavior::removed), (V{"the", "final", "countdown"}));
  EXPECT_EQ(split_texts(text, SplitBehavior::isolated), (V{"the", "-", "final", "-", "-", "countdown"}));
  EXPECT_EQ(split_texts(text, SplitBehavior::merged_with_previous), (V{"the-", "final-", "-", "countdown"}));
  EXPECT_EQ(split_texts(text, SplitBehavior::merged_with_next), (V{"the", "-final", "-", "-countdown"}));
  EXPECT_EQ(split_texts(text, SplitBehavior::contiguous), (V{"the", "-", "final", "--", "countdown"}));
  EXPECT_EQ(split_texts(text, SplitBehavior::removed, true), (V{"-", "-", "-"}));
  EXPECT_EQ(split_texts("-a-", SplitBehavior::merged_with_previous), (V{"-", "a-"}));
}

TEST(SplitBehaviors, OnlyThePieceAtTheStartKeepsTheOrigin) {
  const Regex dash("-", true, "test");
  const auto pieces = split_piece(Piece{"a-b", true, -1}, dash.find_matches("a-b"), SplitBehavior::isolated);
  ASSERT_EQ(pieces.size(), 3u);
  EXPECT_TRUE(pieces[0].at_origin);
  EXPECT_FALSE(pieces[1].at_origin);
  EXPECT_FALSE(pieces[2].at_origin);
}

// The tree the reader builds for documents without a model equals nlohmann's parse.
TEST(JsonReader, BuildsTheSameTreeAsNlohmann) {
  for (const std::string text :
       {"{}", "[]", "{\"a\": [1, -2, 3.5, 1e3, -0.0, true, false, null, \"s\"]}", " { \"n\" : { \"m\" : [ [ ] , { } ] } } ",
        "{\"esc\": \"\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u00e9 \\ud83d\\ude00\"}", "{\"big\": 18446744073709551615}",
        "{\"bigger\": 18446744073709551616, \"neg\": -9223372036854775808}", "\"top\"", "42"}) {
    const auto doc = parse_tokenizer_json(text, "t.json");
    EXPECT_EQ(doc.tree, nlohmann::json::parse(text)) << text;
  }
}

TEST(JsonReader, RejectsWhatIsNotJson) {
  for (const std::string& text : std::vector<std::string>{"{", "{\"a\" 1}", "[1 2]", "[1,]", "{\"a\":1,}", "01", "1.", "-", "+1", "\"\\x\"", "\"a\nb\"", "\"\\ud800\"",
        "\"\\udc00\"", "tru", "nul", "[] []", "\"\xC3\x28\"", std::string(600, '[') + std::string(600, ']')}) {
    EXPECT_THROW(parse_tokenizer_json(text, "t.json"), Error) << text;
  }
}

TEST(JsonReader, StreamsTheVocabularyAndMerges) {
  const auto doc = parse_tokenizer_json(
      R"({"model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2, "a": 3}, "merges": ["a b", ["a", "b"]]}, "x": {"vocab": {"q": 1}}})",
      "t.json");
  EXPECT_TRUE(doc.has_vocab);
  EXPECT_EQ(doc.vocab.size(), 3u);
  EXPECT_EQ(doc.vocab.find("a"), 3);  // a repeated key takes the last value
  ASSERT_EQ(doc.merges.size(), 2u);
  EXPECT_EQ(doc.merges.left(1), "a");
  EXPECT_EQ(doc.merges.right(1), "b");
  EXPECT_EQ(doc.tree["model"], (nlohmann::json{{"type", "BPE"}}));
  EXPECT_EQ(doc.tree["x"]["vocab"]["q"], 1);  // only the model's vocabulary is streamed
}

TEST(TokenTables, FindWhatWasInsertedAcrossGrowth) {
  TokenTable table;
  for (int i = 0; i < 5000; ++i) table.insert("t" + std::to_string(i), i);
  table.insert("", 5000);
  EXPECT_EQ(table.size(), 5001u);
  EXPECT_EQ(table.find("t4999"), 4999);
  EXPECT_EQ(table.find(""), 5000);
  EXPECT_EQ(table.find("t5000"), std::nullopt);
  EXPECT_EQ(table.max_id(), 5000);
  EXPECT_EQ(table.by_id()[1234], "t1234");

  MergeTable merges;
  for (int i = 0; i < 3000; ++i) merges.insert(i, i + 1, {static_cast<uint32_t>(i), i + 7});
  merges.insert(5, 6, {9999, 1});  // a repeated pair takes the last rank
  ASSERT_NE(merges.find(2999, 3000), nullptr);
  EXPECT_EQ(merges.find(2999, 3000)->id, 3006);
  EXPECT_EQ(merges.find(5, 6)->rank, 9999u);
  EXPECT_EQ(merges.find(6, 5), nullptr);
}

}  // namespace
}  // namespace attnviz::tok
