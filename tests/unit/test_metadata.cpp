#include <gtest/gtest.h>

#include "attnviz/error.h"
#include "attnviz/metadata.h"

using attnviz::Error;
using attnviz::parse_metadata;

namespace {

const char* kFull = R"({
  "format": "attnviz", "version": 1, "name": "m",
  "inputs": ["image", "input_ids", "budget"], "output": "logits",
  "preprocess": {"size": [64, 48], "channel_order": "BGR", "scale": 1.0, "mean": [1, 2, 3], "std": [4, 5, 6]},
  "stacks": {"vision": {"image_tokens": {"offset": 1, "grid": [8, 6]}},
             "lm": {"image_tokens": {"offset": 0, "grid": "budget"}}},
  "budgets": {"default": 8, "grids": {"4": [2, 2], "8": [2, 4]}},
  "tokenizer": {"type": "words", "vocab": ["<pad>", "<bos>", "<eos>", "a"], "bos": "<bos>", "eos": "<eos>"},
  "generation": {"max_new_tokens": 5, "default_prompt": "a"}
})";

std::string error_of(const std::string& text) {
  try {
    parse_metadata(text, "m.pt");
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), attnviz::ExitCode::model);
    return e.what();
  }
  return "";
}

}  // namespace

TEST(Metadata, ParsesEveryField) {
  auto m = parse_metadata(kFull, "m.pt");
  EXPECT_EQ(m.name, "m");
  EXPECT_EQ(m.inputs, (std::vector<std::string>{"image", "input_ids", "budget"}));
  EXPECT_EQ(m.output, "logits");
  ASSERT_TRUE(m.preprocess.size);
  EXPECT_EQ((*m.preprocess.size)[0], 64);
  EXPECT_EQ((*m.preprocess.size)[1], 48);
  EXPECT_TRUE(m.preprocess.bgr);
  EXPECT_EQ(m.preprocess.std[2], 6.0);
  EXPECT_EQ(m.default_budget, 8);
  EXPECT_EQ(m.budget_grids.at(4), (std::array<int, 2>{2, 2}));
  EXPECT_TRUE(m.stacks.at("lm").grid_from_budget);
  EXPECT_EQ(m.stacks.at("vision").offset, 1);
  ASSERT_TRUE(m.tokenizer);
  EXPECT_EQ(m.tokenizer->vocab.size(), 4u);
  EXPECT_EQ(m.max_new_tokens, 5);
}

TEST(Metadata, StackSpecMatchesByPathPrefix) {
  auto m = parse_metadata(kFull, "m.pt");
  ASSERT_NE(attnviz::find_stack_spec(m, "vision.blocks"), nullptr);
  EXPECT_EQ(attnviz::find_stack_spec(m, "vision.blocks")->grid_w, 6);
  EXPECT_EQ(attnviz::find_stack_spec(m, "visionary"), nullptr);
  EXPECT_EQ(attnviz::find_stack_spec(m, "decoder"), nullptr);
}

TEST(Metadata, MalformedOrInconsistentIsAModelErrorNamingFileAndField) {
  EXPECT_NE(error_of("{not json").find("m.pt: attnviz.json"), std::string::npos);
  EXPECT_NE(error_of(R"({"format": "other", "version": 1})").find("format"), std::string::npos);
  EXPECT_NE(error_of(R"({"format": "attnviz", "version": 2})").find("version"), std::string::npos);
  EXPECT_NE(error_of(R"({"format": "attnviz", "version": 1, "budgets": {"grids": {"8": [3, 3]}}})").find("9 tokens, not 8"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"format": "attnviz", "version": 1, "preprocess": {"std": [1, 0, 1]}})").find("preprocess.std"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"format": "attnviz", "version": 1, "inputs": ["image", "audio"]})").find("audio"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"format": "attnviz", "version": 1, "stacks": {"lm": {"image_tokens": {"grid": "budget"}}}})")
                .find("no budgets"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"format": "attnviz", "version": 1, "tokenizer": {"type": "words", "vocab": ["a"], "bos": "<s>"}})")
                .find("<s>"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"format": "attnviz", "version": 1, "preprocess": {"size": "big"}})").find("preprocess.size"),
            std::string::npos);
  EXPECT_NE(error_of("[]").find("object"), std::string::npos);
}
