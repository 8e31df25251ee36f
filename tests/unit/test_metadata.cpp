#include <gtest/gtest.h>

#include "attnviz/error.h"
#include "attnviz/metadata.h"

using attnviz::Error;
using attnviz::LayoutSegment;
using attnviz::StackLayout;
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
  EXPECT_TRUE(m.stacks.at("lm").segments.back().grid_from_budget);
  EXPECT_EQ(m.stacks.at("vision").segments.front().kind, LayoutSegment::Kind::prefix);
  EXPECT_EQ(m.stacks.at("vision").segments.front().count, 1);
  ASSERT_TRUE(m.tokenizer);
  EXPECT_EQ(m.tokenizer->vocab.size(), 4u);
  EXPECT_EQ(m.max_new_tokens, 5);
}

TEST(Metadata, StackSpecMatchesByPathPrefix) {
  auto m = parse_metadata(kFull, "m.pt");
  ASSERT_NE(attnviz::find_stack_layout(m, "vision.blocks"), nullptr);
  EXPECT_EQ(attnviz::find_stack_layout(m, "vision.blocks")->segments.back().grid_w, 6);
  EXPECT_EQ(attnviz::find_stack_layout(m, "visionary"), nullptr);
  EXPECT_EQ(attnviz::find_stack_layout(m, "decoder"), nullptr);
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

TEST(Metadata, StacksTakeSegmentsOrImagePlaceholders) {
  auto m = parse_metadata(R"({"format": "attnviz", "version": 1, "stacks": {
      "lm": {"layout": [{"text": 2}, {"image": [8, 12]}, {"text": "rest"}]},
      "vision": {"layout": [{"prefix": 1}, {"image": [8, 12]}]},
      "decoder": {"image_token_id": 32000, "image_grids": [[24, 24]], "prefix": 1}}})",
                          "m.pt");
  const StackLayout& lm = m.stacks.at("lm");
  EXPECT_EQ(lm.kind, StackLayout::Kind::segments);
  ASSERT_EQ(lm.segments.size(), 3u);
  EXPECT_EQ(lm.segments[0].count, 2);
  EXPECT_EQ(lm.segments[1].grid_w, 12);
  EXPECT_EQ(lm.segments[2].count, -1);  // rest
  const StackLayout& d = m.stacks.at("decoder");
  EXPECT_EQ(d.kind, StackLayout::Kind::placeholder);
  EXPECT_EQ(d.image_token_id, 32000);
  EXPECT_EQ(d.image_grids.at(0), (std::array<int, 2>{24, 24}));
  EXPECT_EQ(d.prefix, 1);
  const auto bad = [](const std::string& stacks) {
    return error_of(R"({"format": "attnviz", "version": 1, "stacks": )" + stacks + "}");
  };
  EXPECT_NE(bad(R"({"lm": {"layout": [{"pixels": 2}]}})").find("stacks.lm.layout[0]: unknown segment 'pixels'"),
            std::string::npos);
  EXPECT_NE(bad(R"({"lm": {"layout": []}})").find("stacks.lm.layout"), std::string::npos);
  EXPECT_NE(bad(R"({"lm": {"layout": [{"text": "all"}]}})").find("stacks.lm.layout[0].text"), std::string::npos);
  EXPECT_NE(bad(R"({"lm": {"layout": [{"text": 1}], "image_token_id": 3}})").find("exactly one of"),
            std::string::npos);
  EXPECT_NE(bad(R"({"lm": {"image_token_id": -1}})").find("image_token_id"), std::string::npos);
}
