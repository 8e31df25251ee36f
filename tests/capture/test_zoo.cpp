// The model zoo (tests/fixtures/make_zoo.py) through the library: captured attention equals
// eager PyTorch per head, for user-style models built the ways users build them.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "attnviz/error.h"
#include "attnviz/model.h"
#include "attnviz/npy.h"
#include "attnviz/pipeline.h"
#include "attnviz/rollout.h"
#include "zoo.h"

using namespace attnviz;
using test::ZooModel;

namespace {

constexpr float kTolerance = 1e-5f;

ModelInputs inputs_of(const ZooModel& m) {
  ModelInputs in;
  const auto& files = m.ref.at("inputs");
  auto image = m.npy(files[0]);
  in.image.channels = static_cast<int>(image.shape[1]);
  in.image.height = static_cast<int>(image.shape[2]);
  in.image.width = static_cast<int>(image.shape[3]);
  in.image.data = image.f32;
  if (files.size() > 1) in.input_ids = m.npy(files[1]).i64;
  return in;
}

// The archive a tool of today can load: models with layout metadata it cannot parse yet come
// with the same module saved bare.
std::string loadable_archive(const ZooModel& m) {
  return m.file(m.ref.value("bare_model", m.ref.at("model").get<std::string>()));
}

float max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size()) return INFINITY;
  float worst = 0;
  for (size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::fabs(a[i] - b[i]));
  return worst;
}

// Sites whose probe shape is non-empty: the attention that ran on these inputs. A frozen
// scripted ViT also holds MHA's slow-path softmax, which never runs under no-grad.
std::vector<int> sites_that_ran(const Model& model, const ModelInputs& in) {
  std::vector<int> ran;
  auto shapes = model.probe_shapes(in);
  for (size_t i = 0; i < shapes.size(); ++i)
    if (shapes[i].ran()) ran.push_back(static_cast<int>(i));
  return ran;
}

ForwardResult capture_per_head(const Model& model, const ModelInputs& in) {
  return model.run(in, {sites_that_ran(model, in), parse_head_fusion("mean"), true});
}

// Named here, not read from zoo.json: test discovery runs before make_zoo has.
const std::string kModelsWithSites[] = {"vit_scripted",  "vit_traced",    "vit_frozen_scripted",
                                        "vit_frozen_traced", "vit_cls",   "swin_scripted",
                                        "swin_traced",   "llava_segments", "llava_placeholders"};

class ZooCapture : public ::testing::TestWithParam<std::string> {};

}  // namespace

TEST_P(ZooCapture, PerHeadProbabilitiesMatchEagerPyTorch) {
  const auto m = test::zoo_model(GetParam());
  Model model = Model::load(loadable_archive(m), {"cpu"});
  const auto in = inputs_of(m);
  const auto result = capture_per_head(model, in);
  const auto& sites = m.ref.at("sites");
  ASSERT_EQ(result.layers.size(), sites.size()) << "attention sites that ran";
  for (size_t k = 0; k < sites.size(); ++k) {
    const auto& layer = result.layers[k];
    const auto expected = m.npy(sites[k].at("npy"));
    if (m.ref.at("graph_has_module_paths").get<bool>()) EXPECT_EQ(layer.name, sites[k].at("name"));
    // Swin's windows are folded into the batch: [windows, heads, N, N] flattened is the
    // capture's [windows*heads, N, N] today, whatever a tool calls the leading dimension.
    const size_t n = expected.shape.size();
    EXPECT_EQ(layer.tq, expected.shape[n - 2]) << layer.name;
    EXPECT_EQ(layer.tk, expected.shape[n - 1]) << layer.name;
    EXPECT_LE(max_abs_diff(layer.per_head, expected.f32), kTolerance) << layer.name;
  }
}

TEST_P(ZooCapture, TapsLeaveTheModelsOutputUnchanged) {
  const auto m = test::zoo_model(GetParam());
  Model model = Model::load(loadable_archive(m), {"cpu"});
  const auto in = inputs_of(m);
  const auto expected = m.npy(m.ref.at("output"));
  const auto result = model.run(in, {sites_that_ran(model, in), parse_head_fusion("mean"), false});
  EXPECT_EQ(result.output_shape, expected.shape);
  EXPECT_LE(max_abs_diff(result.output, expected.f32), kTolerance);
}

INSTANTIATE_TEST_SUITE_P(Zoo, ZooCapture, ::testing::ValuesIn(kModelsWithSites));

TEST(ZooCapture, AllFourViTFormsGiveTheSameMaps) {
  const auto forms = test::zoo_family("vit");
  ASSERT_EQ(forms.size(), 4u);
  std::vector<ForwardResult> results;
  for (const auto& name : forms) {
    const auto m = test::zoo_model(name);
    Model model = Model::load(m.model(), {"cpu"});
    const auto in = inputs_of(m);
    results.push_back(model.run(in, {sites_that_ran(model, in), parse_head_fusion("mean"), false}));
  }
  for (size_t f = 1; f < forms.size(); ++f) {
    ASSERT_EQ(results[f].layers.size(), results[0].layers.size()) << forms[f];
    for (size_t k = 0; k < results[0].layers.size(); ++k)
      EXPECT_LE(max_abs_diff(results[f].layers[k].fused, results[0].layers[k].fused), kTolerance)
          << forms[f] << " layer " << k << " differs from " << forms[0];
  }
}

TEST(ZooCapture, TheWiredLlavaHeadAttendsToItsPatch) {
  for (const auto& name : test::zoo_family("llava")) {
    const auto m = test::zoo_model(name);
    const auto& want = m.ref.at("expect").at("peak");
    const auto image = test::image_segment(test::zoo_stack(m, want.at("stack")));
    Model model = Model::load(loadable_archive(m), {"cpu"});
    int site = -1;
    for (size_t i = 0; i < model.sites().size(); ++i)
      if (model.sites()[i].stack == want.at("stack") && model.sites()[i].index == want.at("layer")) site = static_cast<int>(i);
    ASSERT_GE(site, 0) << name;
    auto result = model.run(inputs_of(m), {{site}, parse_head_fusion(std::to_string(want.at("head").get<int>())), false});
    const auto& layer = result.layers.at(0);
    const int row = want.at("query_row");
    int best = 0;
    for (int j = 1; j < image.h * image.w; ++j)
      if (layer.fused[row * layer.tk + image.offset + j] > layer.fused[row * layer.tk + image.offset + best]) best = j;
    EXPECT_EQ(best / image.w, want.at("patch")[0].get<int>()) << name;
    EXPECT_EQ(best % image.w, want.at("patch")[1].get<int>()) << name;
    EXPECT_NEAR(layer.fused[row * layer.tk + image.offset + best], want.at("weight").get<double>(), kTolerance) << name;
  }
}

namespace {

// A reference site's head mean as a map: [heads, tq, tk] -> fused [tq, tk].
AttentionMap reference_mean(const NpyArray& a, const std::string& name) {
  AttentionMap m;
  m.name = name;
  m.heads = static_cast<int>(a.shape[0]);
  m.tq = static_cast<int>(a.shape[1]);
  m.tk = static_cast<int>(a.shape[2]);
  const size_t n = static_cast<size_t>(m.tq) * m.tk;
  m.fused.assign(n, 0.0f);
  for (int h = 0; h < m.heads; ++h)
    for (size_t i = 0; i < n; ++i) m.fused[i] += a.f32[h * n + i] / m.heads;
  return m;
}

}  // namespace

// Rollout carried through the forward (one running product per stack) against rollout of
// eager PyTorch's probabilities, every layer of every stack.
TEST(ZooRollout, StreamedThroughTheForwardEqualsRollingOutEagerAttention) {
  for (const std::string name : {"vit_cls", "llava_segments", "llava_placeholders", "vit_traced", "vit_frozen_traced"}) {
    const auto m = test::zoo_model(name);
    Model model = Model::load(loadable_archive(m), {"cpu"});
    ASSERT_EQ(model.sites().size(), m.ref.at("sites").size()) << name;
    CaptureRequest request{{}, parse_head_fusion("mean"), false};
    for (const auto& stack : model.stacks()) {
      request.rollout_chains.push_back(stack.sites);
      request.sites.insert(request.sites.end(), stack.sites.begin(), stack.sites.end());
    }
    std::sort(request.sites.begin(), request.sites.end());
    const auto streamed = model.run(inputs_of(m), request);
    ASSERT_EQ(streamed.layers.size(), request.sites.size()) << name;
    for (const auto& stack : model.stacks()) {
      std::vector<AttentionMap> eager;
      for (int s : stack.sites) eager.push_back(reference_mean(m.npy(m.ref["sites"][s].at("npy")), model.sites()[s].name));
      std::vector<const AttentionMap*> chain;
      for (const auto& e : eager) chain.push_back(&e);
      const auto expected = attention_rollout(chain);
      for (size_t l = 0; l < stack.sites.size(); ++l) {
        const auto& got = streamed.layers[std::find(request.sites.begin(), request.sites.end(), stack.sites[l]) -
                                          request.sites.begin()];
        EXPECT_EQ(got.tq, eager[l].tq);
        EXPECT_LE(max_abs_diff(got.fused, expected[l]), kTolerance) << name << " " << model.sites()[stack.sites[l]].name;
      }
    }
  }
}

// nn.MultiheadAttention's fused and slow paths are one site with two producers: no single
// place to carry the product through, so the model refuses and the caller rolls out raw maps.
TEST(ZooRollout, AttentionWithAlternativePathsIsNotStreamed) {
  const auto m = test::zoo_model("vit_scripted");
  Model model = Model::load(loadable_archive(m), {"cpu"});
  CaptureRequest request{{model.stacks()[0].sites.back()}, parse_head_fusion("mean"), false};
  request.rollout_chains.push_back(model.stacks()[0].sites);
  try {
    model.run(inputs_of(m), request);
    FAIL() << "a rollout chain through nn.MultiheadAttention was streamed";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::model);
    EXPECT_NE(std::string(e.what()).find("rollout"), std::string::npos) << e.what();
  }
}
