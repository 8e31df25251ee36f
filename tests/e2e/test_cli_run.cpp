// attnviz run / inspect as users run them: files, numbers and pictures.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include "attnviz/npy.h"
#include "cli_helpers.h"

using namespace attnviz;
using nlohmann::json;

TEST(CliRun, WritesOverlayGridJsonAndNpyThatAgree) {
  test::TempDir dir("run");
  auto image = test::write_sample_image(dir, "photo.png");
  auto out = dir.file("out");
  auto r = test::run_attnviz({"run", test::fixture_model("vlm_scripted"), image, "--layers", "0,2", "--view",
                              "overlay,grid", "--format", "png,json,npy", "--out", out, "--threads", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* f : {"photo.overlay.png", "photo.grid.png", "photo.json", "photo.lm.layers.0.attn.npy",
                        "photo.lm.layers.2.attn.npy"})
    EXPECT_NE(r.out.find(out + "/" + f), std::string::npos) << f << " not reported on stdout";
  auto doc = json::parse(test::read_text(out + "/photo.json"));
  ASSERT_EQ(doc["layers"].size(), 2u);
  for (const auto& l : doc["layers"]) {
    EXPECT_EQ(l["stack"], "lm.layers");
    auto npy = read_npy(out + "/" + l["npy"].get<std::string>());
    ASSERT_EQ(npy.shape, (std::vector<int64_t>{4, l["shape"][1], l["shape"][2]}));
    // The JSON matrix is the head mean of the .npy heads.
    const int t = static_cast<int>(npy.shape[1]);
    for (int i = 0; i < t; ++i)
      for (int j = 0; j < t; ++j) {
        float mean = 0;
        for (int h = 0; h < 4; ++h) mean += npy.f32[(h * t + i) * t + j] / 4;
        ASSERT_NEAR(l["matrix"][i][j].get<double>(), mean, 1e-6) << i << "," << j;
      }
    EXPECT_TRUE(l["causal"].get<bool>());
    EXPECT_EQ(l["map"]["grid"], json({4, 4}));
  }
  // Overlay: the input panel and one per layer, the 40 px image enlarged x7.
  cv::Mat overlay = cv::imread(out + "/photo.overlay.png");
  EXPECT_EQ(overlay.cols, 3 * 280 + 4 * 6);
  EXPECT_EQ(overlay.rows, 36 + 280 + 6);
  EXPECT_FALSE(cv::imread(out + "/photo.grid.png").empty());
}

TEST(CliRun, SameInputsGiveTheSameBytes) {
  test::TempDir dir("determinism");
  auto image = test::write_sample_image(dir, "photo.png");
  std::vector<std::string> outs = {dir.file("a"), dir.file("b")};
  for (const auto& out : outs) {
    auto r = test::run_attnviz({"run", test::fixture_model("vlm_scripted"), image, "--layers", "all", "--stack", "all",
                                "--view", "overlay,grid", "--format", "png,json,npy", "--out", out});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  test::TempDir a_list("x");
  auto list = [](const std::string& d) {
    std::vector<std::string> names;
    for (const char* n : {"photo.overlay.png", "photo.grid.png", "photo.json", "photo.vision.blocks.0.attn.npy",
                          "photo.lm.layers.2.attn.npy"})
      names.push_back(d + "/" + n);
    return names;
  };
  auto la = list(outs[0]), lb = list(outs[1]);
  for (size_t i = 0; i < la.size(); ++i) {
    ASSERT_TRUE(test::file_exists(la[i])) << la[i];
    EXPECT_EQ(test::read_text(la[i]), test::read_text(lb[i])) << la[i];
  }
}

TEST(CliRun, MetadataFreeModelWithFlags) {
  test::TempDir dir("nometa");
  auto image = test::write_sample_image(dir, "img.jpg", 48, 48);
  auto r = test::run_attnviz({"run", test::fixture_model("vit_torchvision_traced"), image, "--size", "32x32",
                              "--query", "cls", "--out", dir.file("o")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto doc = json::parse(test::read_text(dir.file("o/img.json")));
  ASSERT_EQ(doc["layers"].size(), 2u);
  EXPECT_EQ(doc["layers"][0]["image_tokens"]["offset"], 1);  // CLS inferred from 17 = 1 + 4x4
  EXPECT_EQ(doc["layers"][0]["query_rows"], json({0}));
  EXPECT_EQ(doc["layers"][0]["name"], "encoder.layers.encoder_layer_0.self_attention");
}

TEST(CliRun, InputsWithTheSameNameInDifferentFoldersGetDistinctOutputs) {
  test::TempDir dir("collide");
  ASSERT_EQ(system(("mkdir -p " + dir.file("a") + " " + dir.file("b")).c_str()), 0);
  auto a = test::write_sample_image(dir, "a/x.png"), b = test::write_sample_image(dir, "b/x.png");
  auto r = test::run_attnviz({"run", test::fixture_model("vlm_scripted"), a, b, "--layers", "-1", "--out", dir.file("o")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  test::TempDir probe("unused");
  int jsons = 0;
  for (const auto& line : {std::string("a_x.json"), std::string("b_x.json")})
    jsons += r.out.find(line) != std::string::npos;
  EXPECT_EQ(jsons, 2) << r.out;
}

TEST(CliInspect, ListsStacksSitesHeadsAndTokenCounts) {
  auto r = test::run_attnviz({"inspect", test::fixture_model("vlm_scripted"), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto doc = json::parse(r.out);
  ASSERT_EQ(doc["stacks"].size(), 2u);
  EXPECT_EQ(doc["default_stack"], "lm.layers");
  const auto& l0 = doc["stacks"][1]["layers"][0];
  EXPECT_EQ(l0["name"], "lm.layers.0.attn");
  EXPECT_EQ(l0["heads"], 4);
  EXPECT_EQ(l0["tokens"], json({23, 23}));
  EXPECT_EQ(doc["inputs"][1]["name"], "input_ids");
  auto text = test::run_attnviz({"inspect", test::fixture_model("mha")});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("cross.mha"), std::string::npos);
  EXPECT_NE(text.out.find("tokens 4x16"), std::string::npos);
}

TEST(CliRun, VerbosityFlagsWorkBeforeAndAfterTheSubcommand) {
  test::TempDir dir("verbosity");
  auto image = test::write_sample_image(dir, "photo.png");
  const std::string model = test::fixture_model("vlm_scripted");
  for (const auto& args : {std::vector<std::string>{"-v", "run", model, image, "--out", dir.file("a")},
                           std::vector<std::string>{"run", model, image, "--out", dir.file("b"), "-v"}}) {
    auto r = test::run_attnviz(args);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find("attention sites in"), std::string::npos) << "no info log: " << r.err;
  }
  // -q after the subcommand keeps even a warning (an unknown budget would be an error) quiet.
  auto quiet = test::run_attnviz({"run", model, image, "--out", dir.file("c"), "-q"});
  ASSERT_EQ(quiet.exit_code, 0) << quiet.err;
  EXPECT_EQ(quiet.err, "");
}

TEST(CliRun, CommandsWithoutAModelDoNotLoadTheEngine) {
  // `diff` and `--version` run with the engine library made unloadable: they never need it.
  test::TempDir dir("no-engine");
  test::write_text(dir.file("a.json"), "{\"layers\": []}\n");
  setenv("ATTNVIZ_ENGINE", "/nonexistent/libattnviz_app.so", 1);
  auto version = test::run_attnviz({"--version"});
  auto diff = test::run_attnviz({"diff", dir.file("a.json"), dir.file("a.json")});
  auto run = test::run_attnviz({"run", test::fixture_model("vlm_scripted"), "x.png", "--out", dir.file("o")});
  unsetenv("ATTNVIZ_ENGINE");
  EXPECT_EQ(version.exit_code, 0) << version.err;
  EXPECT_EQ(diff.exit_code, 0) << diff.err;
  // A command that needs it says which library it could not load.
  EXPECT_EQ(run.exit_code, 70) << run.err;
  EXPECT_NE(run.err.find("/nonexistent/libattnviz_app.so: cannot load the attnviz engine"), std::string::npos)
      << run.err;
}

// --answer feeds a given answer after the prompt (teacher forcing): the answer's rows and
// maps are those of a generated answer with the same tokens, in one pass.
TEST(CliRun, AnswerAttributesAGivenAnswerLikeAGeneratedOne) {
  test::TempDir dir("answer");
  const std::string model = test::source_dir() + "/models/tinyvlm-base.pt";
  const std::string image = test::source_dir() + "/examples/scenes/scene_000.png";
  const std::vector<std::string> common = {"--prompt", "what color is the cross?", "--layers", "3,12", "--threads", "1"};
  std::vector<std::string> generated = {"run", model, image, "--out", dir.file("g")};
  generated.insert(generated.end(), common.begin(), common.end());
  auto g = test::run_attnviz(generated);
  ASSERT_EQ(g.exit_code, 0) << g.err;
  const auto gen = json::parse(test::read_text(dir.file("g/scene_000.json")));
  std::vector<std::string> forced = {"run", model, image, "--out", dir.file("f"), "--answer", gen["answer"]};
  forced.insert(forced.end(), common.begin(), common.end());
  auto f = test::run_attnviz(forced);
  ASSERT_EQ(f.exit_code, 0) << f.err;
  const auto tf = json::parse(test::read_text(dir.file("f/scene_000.json")));
  EXPECT_EQ(tf["answer_ids"], gen["answer_ids"]);
  EXPECT_EQ(tf["answer"], gen["answer"]);
  for (size_t l = 0; l < 2; ++l) {
    EXPECT_EQ(tf["layers"][l]["query_rows"], gen["layers"][l]["query_rows"]);
    EXPECT_EQ(tf["layers"][l]["map"]["peak"], gen["layers"][l]["map"]["peak"]);
    for (size_t r = 0; r < 8; ++r)
      for (size_t c = 0; c < 8; ++c)
        EXPECT_NEAR(tf["layers"][l]["map"]["values"][r][c].get<double>(),
                    gen["layers"][l]["map"]["values"][r][c].get<double>(), 1e-6);
  }
  // Another answer is attributed as given, and a word the vocabulary lacks is refused.
  forced[6] = "red";  // the value of --answer
  auto other = test::run_attnviz(forced);
  ASSERT_EQ(other.exit_code, 0) << other.err;
  EXPECT_EQ(json::parse(test::read_text(dir.file("f/scene_000.json")))["answer"], "red");
  forced[6] = "zebra";
  EXPECT_EQ(test::run_attnviz(forced).exit_code, 2);
}
