// One image through a fixture model: preprocessing, prompt, generation, capture, maps.
#include <gtest/gtest.h>

#include <opencv2/core.hpp>

#include "attnviz/error.h"
#include "attnviz/pipeline.h"
#include "noise_image.h"
#include "test_support.h"

using namespace attnviz;

namespace {

cv::Mat random_image(int h, int w) { return test::noise(h, w, CV_8UC3, 7); }

std::string model_path(const std::string& name) { return test::fixtures_dir() + "/" + name + ".pt"; }

}  // namespace

TEST(Pipeline, VlmGeneratesAnAnswerAndMapsEveryLayerOnItsGrid) {
  Model model = Model::load(model_path("vlm_scripted"), {"cpu"});
  AnalysisOptions o;
  o.stack = "all";
  Analysis a = analyze_loaded_image(model, random_image(40, 40), "random.png", o);
  EXPECT_EQ(a.input_h, 32);  // resized per the metadata
  EXPECT_EQ(a.prompt, "what color is the circle?");
  EXPECT_EQ(a.prompt_ids.size(), 7u);  // <bos> + 6 words
  ASSERT_EQ(a.layers.size(), 5u);
  for (const auto& l : a.layers) {
    ASSERT_TRUE(l.map) << l.attention.name;
    EXPECT_EQ(l.map->grid_h, 4);
    EXPECT_EQ(l.map->grid_w, 4);
    EXPECT_GT(l.map->image_mass, 0.0f);
  }
  // The vision stack has a CLS token at 0; the LM stack is causal over the text.
  EXPECT_EQ(a.layers[0].image_tokens->offset, 1);
  EXPECT_EQ(a.layers[4].image_tokens->offset, 0);
  const int text_tokens = static_cast<int>(a.prompt_ids.size() + a.answer_ids.size());
  EXPECT_EQ(a.layers[4].attention.tk, 16 + text_tokens);
  if (!a.answer_ids.empty()) {
    EXPECT_EQ(a.query.str(), "answer");
    EXPECT_EQ(a.layers[4].query_rows.front(), 16 + static_cast<int>(a.prompt_ids.size()) - 1);
  }
}

TEST(Pipeline, MetadataFreeModelUsesFlagsAndInfersTheGrid) {
  Model model = Model::load(model_path("bhtt_flat"), {"cpu"});
  AnalysisOptions o;
  Preprocess p;
  p.size = std::array<int, 2>{32, 32};
  o.preprocess = p;
  Analysis a = analyze_loaded_image(model, random_image(32, 32), "r.png", o);
  ASSERT_EQ(a.layers.size(), 2u);
  ASSERT_TRUE(a.layers[0].image_tokens);
  EXPECT_EQ(a.layers[0].image_tokens->offset, 0);
  EXPECT_EQ(a.layers[0].image_tokens->grid_h, 4);
  EXPECT_EQ(a.layers[0].query_rows, (std::vector<int>{15}));
}

TEST(Pipeline, LayerSpecsSelectPerStackAndOutOfRangeIsAUsageError) {
  Model model = Model::load(model_path("vlm_scripted"), {"cpu"});
  EXPECT_EQ(select_sites(model, "", LayerSelection::parse("-1")), (std::vector<int>{4}));
  EXPECT_EQ(select_sites(model, "vision", LayerSelection::parse("0")), (std::vector<int>{0}));
  EXPECT_EQ(select_sites(model, "all", LayerSelection::parse("0")), (std::vector<int>{0, 2}));
  try {
    select_sites(model, "", LayerSelection::parse("3"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::usage);
    EXPECT_NE(std::string(e.what()).find("0-2"), std::string::npos) << e.what();
  }
  EXPECT_THROW(select_sites(model, "decoder", LayerSelection::parse("0")), Error);
}

TEST(Pipeline, InputIdsOutsideTheVocabularyAreAUsageError) {
  Model model = Model::load(model_path("vlm_scripted"), {"cpu"});
  AnalysisOptions o;
  o.input_ids = std::vector<int64_t>{1, 9999};
  try {
    analyze_loaded_image(model, random_image(32, 32), "r.png", o);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::usage);
    EXPECT_NE(std::string(e.what()).find("9999"), std::string::npos);
  }
}
