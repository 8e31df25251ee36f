// Captured attention equals eager PyTorch's, per element, for every kind of fixture
// model: scripted, traced, frozen, torchvision ViT (fused MHA), nn.MultiheadAttention
// with cross-attention, [B*H,T,T] softmax, and in-place writes after the softmax.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "attnviz/error.h"
#include "attnviz/model.h"
#include "attnviz/npy.h"
#include "attnviz/pipeline.h"
#include "npy_inputs.h"
#include "test_support.h"

using namespace attnviz;

namespace {

constexpr float kTolerance = 1e-5f;

struct Fixture {
  nlohmann::json ref;
  std::string dir;
  std::string path(const std::string& file) const { return dir + "/" + file; }
};

Fixture fixture(const std::string& name) {
  Fixture f;
  f.dir = test::fixtures_dir();
  if (f.dir.empty()) throw std::runtime_error("ATTNVIZ_FIXTURES is not set");
  f.ref = nlohmann::json::parse(test::read_text(f.path(name + ".ref.json")));
  return f;
}

ModelInputs inputs_of(const Fixture& f) {
  return test::npy_inputs(f.path(f.ref["inputs"][0]), f.ref["inputs"].size() > 1 ? f.path(f.ref["inputs"][1]) : "");
}

using test::max_abs_diff;

std::vector<int> all_sites(const Model& m) {
  std::vector<int> s(m.sites().size());
  for (size_t i = 0; i < s.size(); ++i) s[i] = static_cast<int>(i);
  return s;
}

class CaptureEquality : public ::testing::TestWithParam<std::string> {};

}  // namespace

TEST_P(CaptureEquality, PerHeadProbabilitiesMatchEagerPyTorch) {
  const auto f = fixture(GetParam());
  Model model = Model::load(f.path(f.ref["model"]), {"cpu"});
  const auto& sites = f.ref["sites"];
  ASSERT_EQ(model.sites().size(), sites.size());
  CaptureRequest req{all_sites(model), parse_head_fusion("mean"), true};
  auto result = model.run(inputs_of(f), req);
  ASSERT_EQ(result.layers.size(), sites.size());
  for (size_t k = 0; k < sites.size(); ++k) {
    const auto& layer = result.layers[k];
    const auto& ref = sites[k];
    if (f.ref["kind"] == "frozen") {
      EXPECT_EQ(layer.name, "attention." + std::to_string(k));  // freezing drops module paths
    } else {
      EXPECT_EQ(layer.name, ref["name"].get<std::string>());
    }
    EXPECT_EQ(layer.heads, ref["shape"][0].get<int>()) << layer.name;
    EXPECT_EQ(layer.tq, ref["shape"][1].get<int>()) << layer.name;
    EXPECT_EQ(layer.tk, ref["shape"][2].get<int>()) << layer.name;
    auto expected = read_npy(f.path(ref["npy"]));
    EXPECT_LE(max_abs_diff(layer.per_head, expected.f32), kTolerance) << layer.name;
  }
}

TEST_P(CaptureEquality, TapsLeaveTheModelsOutputUnchanged) {
  const auto f = fixture(GetParam());
  Model model = Model::load(f.path(f.ref["model"]), {"cpu"});
  auto expected = read_npy(f.path(f.ref["output"]));
  CaptureRequest req{all_sites(model), parse_head_fusion("mean"), false};
  auto result = model.run(inputs_of(f), req);
  EXPECT_EQ(result.output_shape, expected.shape);
  EXPECT_EQ(max_abs_diff(result.output, expected.f32), 0.0f) << "tapping changed the model's output";
}

TEST_P(CaptureEquality, HeadFusionInTheGraphMatchesFusingThePerHeadValues) {
  const auto f = fixture(GetParam());
  Model model = Model::load(f.path(f.ref["model"]), {"cpu"});
  const auto in = inputs_of(f);
  auto heads = model.run(in, {all_sites(model), parse_head_fusion("all"), true});
  for (const char* fusion : {"mean", "max", "min", "1"}) {
    auto fused = model.run(in, {all_sites(model), parse_head_fusion(fusion), false});
    for (size_t k = 0; k < fused.layers.size(); ++k) {
      const auto& h = heads.layers[k];
      const size_t n = static_cast<size_t>(h.tq) * h.tk;
      std::vector<float> expected(n);
      for (size_t i = 0; i < n; ++i) {
        float mean = 0, mx = -1, mn = 2;
        for (int hh = 0; hh < h.heads; ++hh) {
          float v = h.per_head[hh * n + i];
          mean += v;
          mx = std::max(mx, v);
          mn = std::min(mn, v);
        }
        std::string fz = fusion;
        expected[i] = fz == "mean" ? mean / h.heads : fz == "max" ? mx : fz == "min" ? mn : h.per_head[1 * n + i];
      }
      EXPECT_LE(max_abs_diff(fused.layers[k].fused, expected), 1e-6f) << fusion << " " << h.name;
      EXPECT_EQ(fused.layers[k].per_head.size(), 0u) << "heads materialised without being asked for";
    }
  }
}

TEST_P(CaptureEquality, OnlyTheSelectedLayerIsReturned) {
  const auto f = fixture(GetParam());
  Model model = Model::load(f.path(f.ref["model"]), {"cpu"});
  const int last = static_cast<int>(model.sites().size()) - 1;
  auto result = model.run(inputs_of(f), {{last}, parse_head_fusion("mean"), true});
  ASSERT_EQ(result.layers.size(), 1u);
  auto expected = read_npy(f.path(f.ref["sites"][last]["npy"]));
  EXPECT_LE(max_abs_diff(result.layers[0].per_head, expected.f32), kTolerance);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, CaptureEquality,
                         ::testing::Values("vlm_scripted", "vlm_traced", "vlm_frozen", "vit_torchvision",
                                           "vit_torchvision_traced", "mha", "bhtt_flat", "inplace"));

TEST(Capture, SitesAreGroupedIntoStacksInExecutionOrder) {
  const auto f = fixture("vlm_scripted");
  Model model = Model::load(f.path("vlm_scripted.pt"), {"cpu"});
  ASSERT_EQ(model.stacks().size(), 2u);
  EXPECT_EQ(model.stacks()[0].name, "vision.blocks");
  EXPECT_EQ(model.stacks()[1].name, "lm.layers");
  EXPECT_EQ(model.default_stack(), "lm.layers");
  EXPECT_EQ(model.sites()[3].index, 1);
  EXPECT_EQ(model.sites()[3].stack, "lm.layers");
}

TEST(Capture, MultiheadAttentionReportsItsFusedOpAndCrossAttentionShape) {
  const auto f = fixture("mha");
  Model model = Model::load(f.path("mha.pt"), {"cpu"});
  ASSERT_EQ(model.sites().size(), 3u);
  EXPECT_EQ(model.sites()[0].op, "native_mha");
  auto shapes = model.probe_shapes(inputs_of(f));
  EXPECT_EQ(shapes[2].windows, 1);
  EXPECT_EQ(shapes[2].heads, 4);
  EXPECT_EQ(shapes[2].tq, 4);
  EXPECT_EQ(shapes[2].tk, 16);
}

TEST(Capture, AModelWithoutAttentionHasNoSitesAndSelectingIsAModelError) {
  const auto f = fixture("noattn");
  Model model = Model::load(f.path("noattn.pt"), {"cpu"});
  EXPECT_TRUE(model.sites().empty());
  try {
    select_sites(model, "", LayerSelection::parse("all"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::model);
    EXPECT_NE(std::string(e.what()).find("noattn.pt"), std::string::npos);
  }
}

TEST(Capture, LoadingANonTorchScriptFileIsAModelErrorNamingIt) {
  test::TempDir dir("notts");
  test::write_text(dir.file("weights.pt"), "not a zip archive at all");
  try {
    Model::load(dir.file("weights.pt"), {"cpu"});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::model);
    EXPECT_NE(std::string(e.what()).find("weights.pt"), std::string::npos);
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
  }
}
