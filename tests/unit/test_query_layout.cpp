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
  SequenceLayout s{24, 24, {16, 17, 18, 19, 20, 21, 22, 23}, 6, 2, std::nullopt};
  EXPECT_EQ(query_rows(parse_query("answer"), s), (std::vector<int>{21, 22}));
  EXPECT_EQ(query_rows(parse_query("last"), s), (std::vector<int>{23}));
  EXPECT_EQ(query_rows(parse_query("text"), s).size(), 8u);
  EXPECT_EQ(query_rows(parse_query("-2:-1"), s), (std::vector<int>{22, 23}));
  EXPECT_THROW(query_rows(parse_query("24"), s), Error);
  EXPECT_THROW(query_rows(parse_query("cls"), s), Error);  // no prefix token
  SequenceLayout no_answer{24, 24, {16, 17, 18, 19, 20, 21, 22, 23}, 8, 0, std::nullopt};
  EXPECT_THROW(query_rows(parse_query("answer"), no_answer), Error);
}

TEST(Query, TextBeforeTheImageKeepsPromptAndAnswerRows) {
  // [2 text][8 image][3 more prompt text][2 answer]: the answer's rows are the last prompt
  // token and the first answer token, wherever the image sits.
  SequenceLayout s{15, 15, {0, 1, 10, 11, 12, 13, 14}, 5, 2, std::nullopt};
  EXPECT_EQ(query_rows(parse_query("answer"), s), (std::vector<int>{12, 13}));
  EXPECT_EQ(query_rows(parse_query("text"), s), (std::vector<int>{0, 1, 10, 11, 12, 13, 14}));
  // Queries aligned to the end of the keys (tq < tk): rows shift with them.
  SequenceLayout tail{3, 15, {0, 1, 10, 11, 12, 13, 14}, 5, 2, 0};
  EXPECT_EQ(query_rows(parse_query("answer"), tail), (std::vector<int>{0, 1}));
  EXPECT_THROW(query_rows(parse_query("cls"), tail), Error);  // the CLS key has no query row
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

namespace {

LayoutInputs keys(int tk, int text = 0, int image_h = 224, int image_w = 224) {
  return LayoutInputs{tk, std::vector<int64_t>(static_cast<size_t>(text), 5), image_h, image_w, {0, 0}};
}

}  // namespace

TEST(TokenLayout, InfersCLSAndGridOnlyWhenOneCandidateFitsTheImage) {
  auto vit = infer_layout(keys(197));
  ASSERT_TRUE(vit.layout);
  EXPECT_EQ(vit.layout->prefix, std::vector<int>{0});
  EXPECT_EQ(vit.layout->images.at(0).offset, 1);
  EXPECT_EQ(vit.layout->images.at(0).grid_h, 14);
  EXPECT_EQ(vit.layout->describe(), "197 keys = 1 prefix + 14\u00d714");
  // Non-square image: 12 x 16 patches.
  auto wide = infer_layout(keys(192, 0, 384, 512));
  ASSERT_TRUE(wide.layout);
  EXPECT_EQ(wide.layout->images.at(0).grid_w, 16);
  // Image tokens followed by 7 text tokens.
  auto vlm = infer_layout(keys(23, 7, 32, 32));
  ASSERT_TRUE(vlm.layout);
  EXPECT_EQ(vlm.layout->images.at(0).count, 16);
  EXPECT_EQ(vlm.layout->text, (std::vector<int>{16, 17, 18, 19, 20, 21, 22}));
  // 25 keys on a 32x48 image: 5x5 does not have its shape, 1 + 4x6 does.
  auto cls = infer_layout(keys(25, 0, 32, 48));
  ASSERT_TRUE(cls.layout);
  EXPECT_EQ(cls.layout->describe(), "25 keys = 1 prefix + 4\u00d76");
  // A prime count is no grid; two fitting candidates are no answer either.
  EXPECT_FALSE(infer_layout(keys(11, 0, 32, 32)).layout);
  auto two = infer_layout(keys(104, 8, 64, 96));  // 8x13 alone, or 8x12 + 8 text
  EXPECT_FALSE(two.layout);
  EXPECT_NE(two.refusal.find("more than one layout fits"), std::string::npos) << two.refusal;
}

TEST(TokenLayout, SegmentsPlaceTextAroundTheImage) {
  const StackLayout l = parse_layout("text:2,image:8x12,text:rest");
  const TokenLayout t = resolve_layout(l, keys(104, 8), "--layout");
  EXPECT_EQ(t.images.at(0).offset, 2);
  EXPECT_EQ(t.text, (std::vector<int>{0, 1, 98, 99, 100, 101, 102, 103}));
  EXPECT_EQ(t.describe(), "104 keys = 2 text + 8\u00d712 + 6 text");
  try {
    resolve_layout(l, keys(105, 8), "--layout x", 2);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::usage);
    EXPECT_NE(std::string(e.what()).find("105"), std::string::npos) << e.what();
  }
}

TEST(TokenLayout, ImageTokensFlagTakesTheTextAroundTheImageWhenTheCountsSaySo) {
  // 2 keys before the image and 8 ids: the first 2 ids are before it.
  const TokenLayout around = resolve_layout(parse_image_tokens("2:8x12"), keys(104, 8), "--image-tokens");
  EXPECT_EQ(around.prefix, std::vector<int>{});
  EXPECT_EQ(around.text.front(), 0);
  EXPECT_EQ(around.text.back(), 103);
  // A CLS then the image then all the text.
  const TokenLayout after = resolve_layout(parse_image_tokens("1:2x2"), keys(8, 3), "--image-tokens");
  EXPECT_EQ(after.prefix, std::vector<int>{0});
  EXPECT_EQ(after.text, (std::vector<int>{5, 6, 7}));
  // A vision tower sees no text.
  EXPECT_TRUE(resolve_layout(parse_image_tokens("1:2x2"), keys(5, 3), "x").text.empty());
  EXPECT_THROW(resolve_layout(parse_image_tokens("1:2x2"), keys(9, 3), "x"), Error);
  // Ids as many as the keys, one id over the image: a placeholder; the text is the rest.
  LayoutInputs aligned{8, {1, 2, 9, 9, 9, 9, 3, 4}, 20, 20, {0, 0}};
  const TokenLayout over = resolve_layout(parse_image_tokens("2:2x2"), aligned, "x");
  EXPECT_EQ(over.image_id, 9);
  EXPECT_EQ(over.text, (std::vector<int>{0, 1, 6, 7}));
  EXPECT_EQ(over.text_ids, (std::vector<int>{0, 1, 6, 7}));
}

TEST(TokenLayout, PlaceholderRunsAreTheImages) {
  StackLayout l;
  l.kind = StackLayout::Kind::placeholder;
  l.image_token_id = 9;
  // <bos> a [9 x 6] b c, then one answer id.
  LayoutInputs in{11, {1, 2, 9, 9, 9, 9, 9, 9, 3, 4, 7}, 20, 30, {0, 0}};
  const TokenLayout t = resolve_layout(l, in, "metadata");
  ASSERT_EQ(t.images.size(), 1u);
  EXPECT_EQ(t.images[0].offset, 2);
  EXPECT_EQ(t.images[0].grid_h, 2);  // 6 tokens on a 20x30 image
  EXPECT_EQ(t.images[0].grid_w, 3);
  EXPECT_EQ(t.text, (std::vector<int>{0, 1, 8, 9, 10}));
  // One placeholder the model expands into the image's 6 tokens.
  LayoutInputs one{11, {1, 2, 9, 3, 4, 7}, 20, 30, {0, 0}};
  EXPECT_EQ(resolve_layout(l, one, "metadata").images.at(0).count, 6);
  LayoutInputs none{5, {1, 2, 3, 4, 7}, 20, 30, {0, 0}};
  EXPECT_THROW(resolve_layout(l, none, "metadata"), Error);
}

TEST(TokenLayout, BudgetsPickTheirGrid) {
  StackLayout l;
  l.segments.push_back({LayoutSegment::Kind::image, 0, 0, 0, true});
  LayoutInputs in{20, std::vector<int64_t>(12, 5), 64, 64, {2, 4}};
  const TokenLayout t = resolve_layout(l, in, "metadata");
  EXPECT_EQ(t.images.at(0).grid_h, 2);
  EXPECT_EQ(t.images.at(0).grid_w, 4);
  EXPECT_THROW(parse_image_tokens("14x14"), Error);
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
