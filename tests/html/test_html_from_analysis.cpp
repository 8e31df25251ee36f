// Analyses (pipeline.h) to the HTML report's data: what the sink will hand over.
#include <gtest/gtest.h>

#include "attnviz/error.h"
#include "attnviz/html_from_analysis.h"
#include "sample_layer.h"

using namespace attnviz;

namespace {

// A decoder over 4 image tokens (2x2) then "<bos> what ?" and the answer "red".
Analysis analysis(const std::string& model, const std::string& answer, HeadFusion::Kind fusion) {
  Analysis a;
  a.model_name = model;
  a.image_path = "/data/scenes/scene.png";
  BgrImage image{4, 6, {}};
  for (int i = 0; i < 4 * 6; ++i) image.pixels.insert(image.pixels.end(), {10, 20, 30});
  const size_t at = 3 * (1 * 4 + 2);  // row 1, column 2
  image.pixels[at] = 1;
  image.pixels[at + 1] = 2;
  image.pixels[at + 2] = 3;
  a.image = std::make_shared<const BgrImage>(image);
  a.budget = 4;
  a.prompt = "what?";
  a.prompt_ids = {1, 5, 6};
  a.answer = answer;
  a.answer_ids = {9};
  a.tokens = {"<bos>", "what", "?", answer};
  a.query = parse_query("answer");
  LayerView v = test::sample_layer(3, 2, 8);
  v.attention.fusion.kind = fusion;
  const int slices = fusion == HeadFusion::Kind::all ? 2 : 1;
  for (int i = 0; i < slices * 64; ++i) v.attention.fused.push_back(static_cast<float>(i % 64 + 1 + 100 * (i / 64)));
  v.image_tokens = TokenSpan{0, 4, 2, 2};
  v.spans.image = *v.image_tokens;
  v.spans.prompt = {{4, 7}};
  v.spans.answer = {{7, 8}};
  v.text_positions = {4, 5, 6, 7};
  v.query_rows = {6};
  v.causal = true;
  a.layers.push_back(v);
  return a;
}

}  // namespace

TEST(HtmlFromAnalysis, CarriesEveryRunLayerAndSpan) {
  const Analysis small = analysis("small", "red", HeadFusion::Kind::mean);
  const Analysis base = analysis("base", "", HeadFusion::Kind::mean);
  const HtmlReport r = html_report_of({&small, &base}, "models");
  EXPECT_EQ(r.figure, "models");
  EXPECT_EQ(r.title, "scene.png \u00b7 small vs base");
  EXPECT_EQ(r.prompt, "what?");
  ASSERT_EQ(r.runs.size(), 2u);
  EXPECT_EQ(r.runs[0].title, "\u201cred\u201d");
  EXPECT_EQ(r.runs[1].title, "(no answer)");
  EXPECT_EQ(r.runs[0].query, "answer");
  EXPECT_EQ(r.runs[0].budget, 4);
  EXPECT_EQ(r.runs[0].tokens, small.tokens);
  const HtmlLayer& l = r.runs[0].layers.at(0);
  EXPECT_EQ(l.name, "lm.layers.3.attn");
  EXPECT_EQ(l.stack, "lm.layers");
  EXPECT_EQ(l.index, 3);
  EXPECT_EQ(l.fusion, "mean");
  EXPECT_TRUE(l.causal);
  EXPECT_EQ(l.matrix, small.layers[0].attention.fused);
  EXPECT_TRUE(l.per_head.empty());
  EXPECT_EQ(l.query_rows, std::vector<int>{6});
  EXPECT_EQ(l.spans.image_offset, 0);
  EXPECT_EQ(l.spans.image_count, 4);
  EXPECT_EQ(l.spans.grid_h, 2);
  EXPECT_EQ(l.spans.grid_w, 2);
  EXPECT_EQ(l.spans.text, (std::vector<int>{4, 5, 6, 7}));
  EXPECT_EQ(l.spans.prompt_count, 3);
  // The image as BGR bytes, row by row.
  EXPECT_EQ(r.image.width, 4);
  EXPECT_EQ(r.image.height, 6);
  EXPECT_EQ(r.image.bgr[3 * (1 * 4 + 2) + 2], 3);
  EXPECT_FALSE(render_html_report(r).empty());
}

TEST(HtmlFromAnalysis, HeadsAllGivesTheHeadsAndTheirMean) {
  const Analysis a = analysis("m", "red", HeadFusion::Kind::all);
  const HtmlLayer l = html_report_of({&a}, "single").runs[0].layers[0];
  EXPECT_EQ(l.per_head, a.layers[0].attention.fused);
  ASSERT_EQ(l.matrix.size(), 64u);
  EXPECT_FLOAT_EQ(l.matrix[0], (1.0f + 101.0f) / 2);
}

TEST(HtmlFromAnalysis, RefusesAnAnalysisWithoutItsImage) {
  Analysis a = analysis("m", "red", HeadFusion::Kind::mean);
  a.image.reset();
  EXPECT_THROW(html_report_of({&a}, "single"), Error);
}

TEST(HtmlFromAnalysis, TitleNamesTheImageAndEachModelOnce) {
  EXPECT_EQ(html_report_title("a/b/scene.png", {"base", "base", "base"}), "scene.png \u00b7 base");
  EXPECT_EQ(html_report_title("scene.png", {"tiny", "tiny-large"}), "scene.png \u00b7 tiny vs tiny-large");
}
