// `attnviz tokenize` through the built binary, on the archives of make_archives.py.
#include <gtest/gtest.h>

#include "test_support.h"

namespace attnviz::test {
namespace {

std::string fixture(const std::string& name) { return std::string(ATTNVIZ_ARCHIVE_FIXTURES) + "/" + name; }

// The small tokenizer of make_archives.py: <s> 0, a 1, b 2, ab 3 (a + b), BOS <s>.
TEST(CliTokenize, PrintsIdsPerText) {
  const auto r = run_attnviz({"tokenize", "--tokenizer", fixture("tokenizer.json"), "ab", "aab", ""});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "0,3\n0,1,3\n0\n");
}

TEST(CliTokenize, TokensAndNoTemplate) {
  auto r = run_attnviz({"tokenize", "--tokenizer", fixture("tokenizer.json"), "--tokens", "ab b"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "0,3,2\n<s> ab b\n");  // no pre-tokenizer: the space is no token, so dropped
  r = run_attnviz({"tokenize", "--tokenizer", fixture("tokenizer.json"), "--no-special", "ab"});
  EXPECT_EQ(r.out, "3\n");
}

TEST(CliTokenize, DecodesIds) {
  auto r = run_attnviz({"tokenize", "--tokenizer", fixture("tokenizer.json"), "--decode", "0,3,1"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "<s> ab a\n");  // no decoder: tokens joined by spaces, as Hugging Face does
  r = run_attnviz({"tokenize", "--tokenizer", fixture("tokenizer.json"), "--decode", "0, 3", "--no-special", "--tokens"});
  EXPECT_EQ(r.out, "ab\n0,3\n<s> ab\n");
}

TEST(CliTokenize, ReadsTheTokenizerInsideTheModel) {
  const auto r = run_attnviz({"tokenize", fixture("with_tokenizer.pt"), "ab", "ba"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "0,3\n0,2,1\n");
}

TEST(CliTokenize, TextsMayBeginWithADashAfterTheSeparator) {
  auto r = run_attnviz({"tokenize", fixture("with_tokenizer.pt"), "--", "-ab", "b"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "0,3\n0,2\n");  // "-" is no token: dropped
  r = run_attnviz({"tokenize", "--tokenizer", fixture("tokenizer.json"), "--", "-a", "b"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "0,1\n0,2\n");
}

TEST(CliTokenize, ErrorsAreOneLineWithTheirExitCode) {
  auto r = run_attnviz({"tokenize", fixture("without_tokenizer.pt"), "ab"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "attnviz: error: " + fixture("without_tokenizer.pt") +
                       ": has no tokenizer.json extra file (embed one with torch.jit.save(..., _extra_files=...), see "
                       "docs/tokenizer.md, or pass --tokenizer FILE)\n");

  r = run_attnviz({"tokenize", "--tokenizer", fixture("tokenizer.json"), "ab", "a\xff"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.out, "");  // nothing printed for the good text before the bad one
  EXPECT_EQ(r.err, "attnviz: error: text to tokenize is not valid UTF-8 (byte 0xFF at offset 1)\n");

  r = run_attnviz({"tokenize", "--tokenizer", fixture("tokenizer.json"), "--decode", "1,x"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "attnviz: error: --decode: \"x\" is not a token id\n");

  r = run_attnviz({"tokenize", "--tokenizer", fixture("tokenizer.json")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "attnviz: error: tokenize: give TEXT to tokenize or --decode IDS\n");

  r = run_attnviz({"tokenize", "--tokenizer", fixture("with_tokenizer.pt"), "ab"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find(fixture("with_tokenizer.pt") + ": not valid JSON at byte 0"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace attnviz::test
