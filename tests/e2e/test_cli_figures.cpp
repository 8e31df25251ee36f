// The paper figures: a budget strip titled with each budget's answer, and a
// model x layer grid. Structure is checked against the JSON the same run wrote.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include "cli_helpers.h"

using namespace attnviz;
using nlohmann::json;

namespace {

std::string bundled(const std::string& name) { return test::source_dir() + "/models/" + name; }
std::string scene(int i) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "/examples/scenes/scene_%03d.png", i);
  return test::source_dir() + buf;
}
std::string quoted(const std::string& s) { return "\u201c" + s + "\u201d"; }

}  // namespace

TEST(FigureBudgets, OnePanelPerBudgetTitledWithThatBudgetsAnswer) {
  test::TempDir dir("budgets");
  auto r = test::run_attnviz({"run", bundled("tinyvlm-base.pt"), scene(0), "--budgets", "8,16,64", "--layers", "-1",
                              "--label", "ground truth", "--out", dir.path()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto doc = json::parse(test::read_text(dir.file("scene_000.budgets.json")));
  EXPECT_EQ(doc["figure"], "budgets");
  ASSERT_EQ(doc["runs"].size(), 3u);
  const std::vector<int> budgets = {8, 16, 64};
  const std::vector<std::vector<int>> grids = {{2, 4}, {4, 4}, {8, 8}};
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(doc["runs"][i]["input"]["budget"], budgets[i]);
    EXPECT_EQ(doc["runs"][i]["input"]["grid"], json(grids[i]));
    EXPECT_EQ(doc["runs"][i]["layers"][0]["map"]["grid"], json(grids[i]));
  }
  const auto& panels = doc["layout"]["strips"][0]["panels"];
  ASSERT_EQ(panels.size(), 4u);
  EXPECT_EQ(panels[0]["title"], "ground truth");
  EXPECT_FALSE(panels[0]["heat"].get<bool>());
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(panels[i + 1]["title"], quoted(doc["runs"][i]["answer"].get<std::string>()));
    EXPECT_EQ(panels[i + 1]["corner"], std::to_string(budgets[i]));
  }
  cv::Mat png = cv::imread(dir.file("scene_000.budgets.png"));
  EXPECT_EQ(png.cols, 4 * 256 + 5 * 6);  // 64 px scenes are shown x4
  EXPECT_EQ(png.rows, doc["layout"]["strips"][0]["height"].get<int>());
}

TEST(FigureModels, OneRowPerModelOneColumnPerLayerWithCausalCells) {
  test::TempDir dir("models");
  auto r = test::run_attnviz({"run", bundled("tinyvlm-small.pt"), bundled("tinyvlm-base.pt"), scene(1), "--layers",
                              "1,5,14,23", "--view", "grid", "--prompt",
                              "provide a one-sentence caption for the image:", "--out", dir.path()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto doc = json::parse(test::read_text(dir.file("scene_001.models.json")));
  EXPECT_EQ(doc["figure"], "models");
  const auto& rows = doc["layout"]["grid"]["rows"];
  ASSERT_EQ(rows.size(), 2u);
  for (size_t m = 0; m < 2; ++m) {
    ASSERT_EQ(rows[m]["cells"].size(), 4u);
    EXPECT_EQ(rows[m]["cells"][2]["title"], "layer 14");
    EXPECT_EQ(rows[m]["cells"][2]["layer"], "lm.layers.14.attn");
    const auto& run = doc["runs"][m];
    EXPECT_NE(rows[m]["label"].get<std::string>().find(run["model"]["name"].get<std::string>()), std::string::npos);
    // Teacher-forced prompt + answer: the answer tokens are rows of the matrix.
    const int text = static_cast<int>(run["input"]["prompt_ids"].size() + run["answer_ids"].size());
    for (const auto& l : run["layers"]) {
      EXPECT_EQ(l["shape"][1].get<int>(), 64 + text);
      // Text rows never attend to later tokens: the upper triangle over the text is blank.
      const auto& m = l["matrix"];
      for (int i = 64; i < 64 + text; ++i)
        for (int j = i + 1; j < 64 + text; ++j) ASSERT_EQ(m[i][j].get<double>(), 0.0) << i << "," << j;
    }
  }
  cv::Mat png = cv::imread(dir.file("scene_001.models.grid.png"));
  EXPECT_EQ(png.cols, doc["layout"]["grid"]["width"].get<int>());
  EXPECT_EQ(png.rows, doc["layout"]["grid"]["height"].get<int>());
}

TEST(FigureModels, ALayerInNoModelIsAnErrorAndOneInOnlyOneModelIsNA) {
  test::TempDir dir("depths");
  // The fixture VLM has 3 LM layers, the bundled model 24.
  auto r = test::run_attnviz({"run", test::fixture_model("vlm_scripted"), bundled("tinyvlm-base.pt"), scene(2),
                              "--layers", "1,5", "--view", "grid", "--out", dir.path(), "--no-generate",
                              "--input-ids", "1,5,6,7,8,9,16"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto doc = json::parse(test::read_text(dir.file("scene_002.models.json")));
  EXPECT_TRUE(doc["layout"]["grid"]["rows"][0]["cells"][1]["layer"].is_null());  // layer 5 n/a in the fixture
  EXPECT_EQ(doc["layout"]["grid"]["rows"][1]["cells"][1]["layer"], "lm.layers.5.attn");
  auto bad = test::run_attnviz({"run", test::fixture_model("vlm_scripted"), bundled("tinyvlm-base.pt"), scene(2),
                                "--layers", "30", "--view", "grid", "--out", dir.file("x")});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_TRUE(test::one_line_naming(bad.err, "30")) << bad.err;
}
