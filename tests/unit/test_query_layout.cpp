#include <gtest/gtest.h>

#include "attnviz/attention.h"
#include "attnviz/error.h"
#include "attnviz/metadata.h"
#include "attnviz/query.h"
#include "attnviz/site_names.h"
#include "attnviz/token_layout.h"

using namespace attnviz;

TEST(SiteNames, StackIsThePathUpToTheNumberedComponent) {
  EXPECT_EQ(stack_of("lm.layers.3.attn"), "lm.layers");
  EXPECT_EQ(stack_of("vision.blocks.0.attn"), "vision.blocks");
  EXPECT_EQ(stack_of("encoder.layers.encoder_layer_11.self_attention"), "encoder.layers");
  EXPECT_EQ(stack_of("cross.mha"), "cross");
  EXPECT_EQ(stack_of("blocks.2.attn#1"), "blocks");
  EXPECT_EQ(stack_of("attn"), "attn");
  EXPECT_TRUE(stack_matches("lm", "lm.layers"));
  EXPECT_TRUE(stack_matches("lm.layers", "lm.layers"));
  EXPECT_FALSE(stack_matches("l", "lm.layers"));
}

TEST(Query, ParsesEveryForm) {
  EXPECT_EQ(parse_query("last").kind, QuerySpec::Kind::last);
  EXPECT_EQ(parse_query("answer").kind, QuerySpec::Kind::answer);
  auto r = parse_query("3:5");
  EXPECT_EQ(r.kind, QuerySpec::Kind::range);
  EXPECT_EQ(r.first, 3);
  EXPECT_EQ(r.last, 5);
  EXPECT_EQ(parse_query("-1").first, -1);
  EXPECT_THROW(parse_query("first"), Error);
  EXPECT_THROW(parse_query("3:x"), Error);
}

TEST(Query, AnswerRowsAreThoseThatPredictedTheAnswerTokens) {
  // 16 image tokens, then <bos> + 5 prompt tokens, then 2 answer tokens fed back.
  SequenceLayout s{24, 16, 6, 2, 0};
  EXPECT_EQ(query_rows(parse_query("answer"), s), (std::vector<int>{21, 22}));
  EXPECT_EQ(query_rows(parse_query("last"), s), (std::vector<int>{23}));
  EXPECT_EQ(query_rows(parse_query("text"), s).size(), 8u);
  EXPECT_EQ(query_rows(parse_query("-2:-1"), s), (std::vector<int>{22, 23}));
  EXPECT_THROW(query_rows(parse_query("24"), s), Error);
  SequenceLayout no_answer{24, 16, 8, 0, 0};
  EXPECT_THROW(query_rows(parse_query("answer"), no_answer), Error);
}

TEST(ImageMap, AveragesQueryRowsOverTheImageTokensOnTheGrid) {
  // tq = tk = 7: one CLS, a 2x3 grid.
  const int t = 7;
  std::vector<float> m(t * t, 0.0f);
  m[5 * t + 0] = 0.5f;  // row 5 -> CLS
  m[5 * t + 6] = 0.5f;  // row 5 -> last patch (grid 1,2)
  m[6 * t + 2] = 1.0f;  // row 6 -> patch 1 (grid 0,1)
  TokenSpan span{1, 6, 2, 3};
  auto map = image_map(m, t, t, {5, 6}, span);
  ASSERT_EQ(map.values.size(), 6u);
  EXPECT_FLOAT_EQ(map.values[5], 0.25f);
  EXPECT_FLOAT_EQ(map.values[1], 0.5f);
  EXPECT_FLOAT_EQ(map.image_mass, 0.75f);
  EXPECT_EQ(map.peak_row, 0);
  EXPECT_EQ(map.peak_col, 1);
}

TEST(TokenLayout, InfersCLSAndGridFromTheTokenCount) {
  LayoutQuery q{"encoder", 197, 0, 224, 224, 0};
  auto span = resolve_image_tokens(nullptr, q);
  ASSERT_TRUE(span);
  EXPECT_EQ(span->offset, 1);
  EXPECT_EQ(span->grid_h, 14);
  EXPECT_EQ(span->grid_w, 14);
  // Non-square image: 12 x 16 patches.
  auto wide = resolve_image_tokens(nullptr, {"enc", 192, 0, 384, 512, 0});
  ASSERT_TRUE(wide);
  EXPECT_EQ(wide->grid_h, 12);
  EXPECT_EQ(wide->grid_w, 16);
  // Image tokens followed by 7 text tokens.
  auto vlm = resolve_image_tokens(nullptr, {"lm", 23, 7, 32, 32, 0});
  ASSERT_TRUE(vlm);
  EXPECT_EQ(vlm->offset, 0);
  EXPECT_EQ(vlm->count, 16);
  // A prime count is no grid.
  EXPECT_FALSE(resolve_image_tokens(nullptr, {"x", 11, 0, 32, 32, 0}));
  // 13 = CLS + 3x4 is a grid.
  EXPECT_EQ(resolve_image_tokens(nullptr, {"x", 13, 0, 30, 40, 0})->grid_w, 4);
}

TEST(TokenLayout, MetadataWinsAndBudgetsPickTheirGrid) {
  Metadata m;
  m.budget_grids = {{8, {2, 4}}, {64, {8, 8}}};
  m.default_budget = 64;
  ImageTokenSpec lm;
  lm.grid_from_budget = true;
  m.stacks["lm"] = lm;
  auto span = resolve_image_tokens(&m, {"lm.layers", 20, 12, 64, 64, 8});
  ASSERT_TRUE(span);
  EXPECT_EQ(span->grid_h, 2);
  EXPECT_EQ(span->grid_w, 4);
  EXPECT_EQ(parse_token_span("1:14x14").count, 196);
  EXPECT_THROW(parse_token_span("14x14"), Error);
}

TEST(HeadFusion, ParsesAndNames) {
  EXPECT_EQ(parse_head_fusion("max").str(), "max");
  EXPECT_EQ(parse_head_fusion("3").str(), "head:3");
  EXPECT_THROW(parse_head_fusion("avg"), Error);
  AttentionMap a;
  a.heads = 2;
  a.tq = a.tk = 1;
  a.fusion = parse_head_fusion("all");
  a.fused = {0.2f, 0.6f};
  EXPECT_FLOAT_EQ(a.matrix()[0], 0.4f);
}
