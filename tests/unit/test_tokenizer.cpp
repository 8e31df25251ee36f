#include <gtest/gtest.h>

#include "attnviz/error.h"
#include "attnviz/tokenizer.h"

namespace {

attnviz::TokenizerSpec spec(bool with_unk) {
  attnviz::TokenizerSpec s;
  s.vocab = {"<pad>", "<bos>", "<eos>", "what", "color", "is", "the", "circle", "?", "a", "red", "."};
  if (with_unk) s.vocab.push_back("<unk>");
  s.bos = "<bos>";
  s.eos = "<eos>";
  if (with_unk) s.unk = "<unk>";
  return s;
}

}  // namespace

TEST(Tokenizer, SplitsPunctuationAndLowercases) {
  EXPECT_EQ(attnviz::WordTokenizer::split("What color is the Circle?"),
            (std::vector<std::string>{"what", "color", "is", "the", "circle", "?"}));
  EXPECT_EQ(attnviz::WordTokenizer::split("  a,b:c;d!e.  "),
            (std::vector<std::string>{"a", ",", "b", ":", "c", ";", "d", "!", "e", "."}));
}

TEST(Tokenizer, EncodesAndDecodes) {
  attnviz::WordTokenizer t(spec(false));
  EXPECT_EQ(t.encode("what color is the circle?", false), (std::vector<int64_t>{3, 4, 5, 6, 7, 8}));
  EXPECT_EQ(t.bos(), 1);
  EXPECT_EQ(t.eos(), 2);
  EXPECT_EQ(t.decode({9, 10, 7, 11}), "a red circle.");
}

TEST(Tokenizer, UnknownWordIsAUsageErrorEvenWithAnUnknownToken) {
  attnviz::WordTokenizer strict(spec(false));
  try {
    strict.encode("what colour");
    FAIL();
  } catch (const attnviz::Error& e) {
    EXPECT_EQ(e.code(), attnviz::ExitCode::usage);
    EXPECT_NE(std::string(e.what()).find("'colour'"), std::string::npos);
  }
  attnviz::WordTokenizer with_unk(spec(true));
  EXPECT_THROW(with_unk.encode("what colour", false), attnviz::Error);
  EXPECT_EQ(with_unk.encode("what color", false), (std::vector<int64_t>{3, 4}));
}
