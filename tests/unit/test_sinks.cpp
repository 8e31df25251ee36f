// Figure builders and format sinks, without a model: hand-made analyses in, files out.
#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>

#include <nlohmann/json.hpp>

#include "attnviz/error.h"
#include "attnviz/figures.h"
#include "attnviz/formats.h"
#include "attnviz/npy.h"
#include "attnviz/sinks.h"
#include "test_support.h"
#include "sample_layer.h"

using namespace attnviz;
using nlohmann::json;

namespace {

// A 16x16 picture and one layer over a 2x2 patch grid plus two text tokens, with the
// attention of the last row peaking on patch (1, 0).
Analysis analysis(const std::string& model, const std::string& answer, int budget = 0) {
  Analysis a;
  a.model_path = model + ".pt";
  a.model_name = model;
  a.image_path = "x.png";
  a.image = std::make_shared<const BgrImage>(BgrImage{16, 16, std::vector<uint8_t>(16 * 16 * 3, 90)});
  a.input_h = a.input_w = 16;
  a.budget = budget;
  a.prompt = "what?";
  a.prompt_ids = {1};
  a.answer = answer;
  a.answer_ids = {7};
  a.tokens = {"<bos>", answer};
  a.query = parse_query("answer");
  LayerView l = test::sample_layer(3, 2, 6);
  l.attention.fused.assign(36, 0.0f);
  for (int r = 0; r < 6; ++r) l.attention.fused[r * 6 + std::min(r, 2)] = 1.0f;  // row 5: patch 2 = (1, 0)
  l.attention.per_head.assign(2 * 36, 0.5f);
  l.image_tokens = TokenSpan{0, 4, 2, 2};
  l.query_rows = {4};
  l.map = ImageMap{2, 2, {0.0f, 0.0f, 1.0f, 0.0f}, 1.0f, 1, 0};
  l.token_maps = {*l.map};
  l.spans.image = *l.image_tokens;
  l.spans.prompt = {{4, 5}};
  l.spans.answer = {{5, 6}};
  l.text_positions = {4, 5};
  l.causal = false;
  a.layers.push_back(l);
  return a;
}

json read_json(const std::string& path) { return json::parse(test::read_text(path)); }

}  // namespace

TEST(Figures, SingleRunHasAnOverlayStripAndAGridTitledWithTheAnswer) {
  const Analysis a = analysis("m", "red");
  FigureOptions o;
  o.stem = "x";
  o.grid = true;
  const FigureSet set = single_figures(a, o);
  ASSERT_EQ(set.figures.size(), 2u);
  EXPECT_EQ(set.figures[0].role, "overlay");
  EXPECT_EQ(set.figures[0].file, "x.overlay.png");
  const auto& overlay = std::get<OverlayFigure>(set.figures[0].content);
  ASSERT_EQ(overlay.strips.size(), 1u);
  ASSERT_EQ(overlay.strips[0].panels.size(), 2u);
  EXPECT_EQ(overlay.strips[0].panels[0].title, "\u201cred\u201d");
  EXPECT_EQ(overlay.strips[0].panels[1].title, "layer 3");
  EXPECT_EQ(overlay.strips[0].panels[1].map, &*a.layers[0].map);
  const auto& grid = std::get<GridFigure>(set.figures[1].content);
  ASSERT_EQ(grid.rows.size(), 1u);
  EXPECT_EQ(grid.rows[0].cells[0].layer, &a.layers[0].attention);
  ASSERT_EQ(set.head_arrays.size(), 1u);
  EXPECT_EQ(set.head_arrays[0].file, "x.lm.layers.3.attn.npy");
}

TEST(Figures, BudgetsShareOneStripAndModelsGetARowEach) {
  const std::vector<Analysis> budgets = {analysis("m", "red", 8), analysis("m", "blue", 64)};
  FigureOptions o;
  o.stem = "x";
  const FigureSet strip = budget_figures(budgets, o);
  ASSERT_EQ(strip.figures.size(), 1u);
  const auto& panels = std::get<OverlayFigure>(strip.figures[0].content).strips.at(0).panels;
  ASSERT_EQ(panels.size(), 3u);
  EXPECT_EQ(panels[1].corner, "8");
  EXPECT_EQ(panels[2].title, "\u201cblue\u201d");
  o.grid = true;
  const std::vector<Analysis> models = {analysis("small", "red"), analysis("base", "blue")};
  const FigureSet rows = model_figures(models, o);
  EXPECT_EQ(rows.figures[0].file, "x.models.grid.png");
  EXPECT_EQ(std::get<GridFigure>(rows.figures[0].content).rows.size(), 2u);
  EXPECT_EQ(std::get<OverlayFigure>(rows.figures[1].content).strips.size(), 2u);
}

TEST(Sinks, WriteInFormatOrderAndTheJsonNamesWhatWasWritten) {
  test::TempDir dir("sinks");
  const Analysis a = analysis("m", "red");
  FigureOptions o;
  o.stem = "x";
  o.grid = true;
  // Asked for in any order, written in output_formats() order: arrays, pictures, numbers.
  const auto paths = write_figures(single_figures(a, o), {"json", "png", "npy"}, dir.path());
  EXPECT_EQ(paths, (std::vector<std::string>{dir.file("x.lm.layers.3.attn.npy"), dir.file("x.overlay.png"),
                                             dir.file("x.grid.png"), dir.file("x.json")}));
  const json doc = read_json(dir.file("x.json"));
  EXPECT_EQ(doc["files"], json({{"grid", "x.grid.png"}, {"overlay", "x.overlay.png"}}));
  EXPECT_EQ(doc["layers"][0]["npy"], "x.lm.layers.3.attn.npy");
  // The layout is what the PNG shows: its size, and a titled panel per map.
  const cv::Mat png = cv::imread(dir.file("x.overlay.png"));
  EXPECT_EQ(doc["layout"]["overlay"]["width"], png.cols);
  EXPECT_EQ(doc["layout"]["overlay"]["height"], png.rows);
  EXPECT_EQ(doc["layout"]["overlay"]["panels"][1]["title"], "layer 3");
  EXPECT_EQ(cv::imread(dir.file("x.grid.png")).cols, doc["layout"]["grid"]["width"].get<int>());
  const NpyArray heads = read_npy(dir.file("x.lm.layers.3.attn.npy"));
  EXPECT_EQ(heads.shape, (std::vector<int64_t>{2, 6, 6}));
}

TEST(Sinks, JsonAloneHasNoPicturesToName) {
  test::TempDir dir("sinks-json");
  FigureOptions o;
  o.stem = "x";
  const auto paths = write_figures(single_figures(analysis("m", "red"), o), {"json"}, dir.path());
  EXPECT_EQ(paths, (std::vector<std::string>{dir.file("x.json")}));
  const json doc = read_json(dir.file("x.json"));
  EXPECT_TRUE(doc["files"].empty());
  EXPECT_FALSE(doc.contains("layout"));
  EXPECT_FALSE(doc["layers"][0].contains("npy"));
}

TEST(Sinks, CombinedResultsKeepEveryRun) {
  test::TempDir dir("sinks-models");
  FigureOptions o;
  o.stem = "x";
  const std::vector<Analysis> models = {analysis("small", "red"), analysis("base", "blue")};
  write_figures(model_figures(models, o), {"png", "json"}, dir.path());
  const json doc = read_json(dir.file("x.models.json"));
  EXPECT_EQ(doc["figure"], "models");
  ASSERT_EQ(doc["runs"].size(), 2u);
  EXPECT_EQ(doc["runs"][1]["answer"], "blue");
  EXPECT_EQ(doc["runs"][1]["files"]["overlay"], "x.models.overlay.png");
  EXPECT_EQ(doc["layout"]["overlay"].size(), 2u);  // a strip per model
}

TEST(Sinks, EveryListedFormatHasASinkAndOthersAreUsageErrors) {
  for (const auto& name : output_formats()) EXPECT_NE(make_sink(name), nullptr) << name;
  try {
    write_figures(FigureSet{}, {"png", "svg"}, ".");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::usage);
    EXPECT_EQ(e.option(), "format");
    EXPECT_NE(std::string(e.what()).find("'svg'"), std::string::npos) << e.what();
  }
}
