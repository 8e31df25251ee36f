#include <gtest/gtest.h>

#include "attnviz/report.h"
#include "sample_layer.h"

using namespace attnviz;

namespace {

Analysis sample() {
  Analysis a;
  a.model_path = "m.pt";
  a.model_name = "m";
  a.image_path = "x.png";
  a.image = std::make_shared<const BgrImage>(BgrImage{8, 8, std::vector<uint8_t>(8 * 8 * 3, 0)});
  a.input_h = a.input_w = 8;
  a.prompt = "what?";
  a.prompt_ids = {1, 5};
  a.answer = "red";
  a.answer_ids = {7};
  a.query = parse_query("answer");
  LayerView l = test::sample_layer(3, 2, 2);
  l.attention.fused = {1.0f, 0.0f, 0.1234567891f, 0.8765432f};
  l.map = ImageMap{1, 1, {0.1234567891f}, 0.1234567891f, 0, 0};
  l.image_tokens = TokenSpan{0, 1, 1, 1};
  l.query_rows = {1};
  l.causal = true;
  a.layers.push_back(l);
  return a;
}

}  // namespace

TEST(Report, HasTheDocumentedFields) {
  ReportOptions o;
  o.include_matrix = true;
  o.npy_files[0] = "x.lm.layers.3.attn.npy";
  auto j = analysis_json(sample(), o);
  EXPECT_EQ(j["format"], "attnviz-result");
  EXPECT_EQ(j["version"], kResultVersion);
  ASSERT_TRUE(j["layers"].is_array());
  const auto& l = j["layers"][0];
  EXPECT_EQ(l["stack"], "lm.layers");
  EXPECT_EQ(l["index"], 3);
  EXPECT_EQ(l["name"], "lm.layers.3.attn");
  EXPECT_EQ(l["heads"], 2);
  EXPECT_EQ(l["shape"], nlohmann::json({2, 2, 2}));
  EXPECT_EQ(l["npy"], "x.lm.layers.3.attn.npy");
  EXPECT_EQ(l["map"]["grid"], nlohmann::json({1, 1}));
  EXPECT_EQ(l["matrix"][1][0], 0.1234568);
  EXPECT_EQ(j["answer"], "red");
}

TEST(Report, SameInputsSameBytes) {
  ReportOptions o;
  EXPECT_EQ(dump_json(analysis_json(sample(), o)), dump_json(analysis_json(sample(), o)));
  ReportOptions without;
  EXPECT_FALSE(analysis_json(sample(), without)["layers"][0].contains("matrix"));
}

TEST(Report, RoundsToSevenSignificantDigits) {
  EXPECT_EQ(round_sig(0.1234567891), 0.1234568);
  EXPECT_EQ(round_sig(1.0f / 3.0f), 0.3333333);
  EXPECT_EQ(round_sig(0.0), 0.0);
  EXPECT_EQ(round_sig(1e-9), 1e-9);
}
