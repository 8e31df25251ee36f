// Half-precision archives load and capture correctly (issue 14): the tiny LLaVA-shaped model
// of bench/vlm_scale.py stored in fp32, bf16 and fp16 (tests/fixtures/make_dtype_fixtures.py).
// Captured probabilities come back as float32 and equal the eager PyTorch run of the same
// archive; against the fp32 model they differ by no more than the dtype's precision allows.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "attnviz/error.h"
#include "attnviz/model.h"
#include "attnviz/npy.h"
#include "attnviz/rollout.h"
#include "npy_inputs.h"
#include "test_support.h"

using namespace attnviz;

namespace {

// Capture must not change a value. The fixture script measured eager PyTorch and
// TorchScript giving bitwise-equal logits for every dtype (one thread); what is left is
// float32 summation order, as in test_capture_equality.cpp.
constexpr float kSameDtype = 1e-5f;

// Largest |p_dtype - p_fp32| allowed for a probability, per dtype. Measured on these
// fixtures (make_dtype_fixtures.py prints it): bf16 0.040 (lm.layers.5; the vision block's
// bf16 softmax 0.015), fp16 0.0021. bf16 keeps 8 significant bits, so every weight and
// activation moves by up to 2^-9 (0.2%), attention logits of standard deviation ~2 move by
// a few hundredths through 24 layers, and a probability near 0.35 by up to 0.04. fp16
// weights keep 11 bits (2^-12, 8x finer) and compute in float32: 20x less drift here.
// The tolerances are twice the measurement. They still fail a wrong model by far:
// another layer's map differs by 0.55-0.98, the heads in reverse order by 0.80.
const std::map<std::string, float> kVsFloat32 = {{"fp32", kSameDtype}, {"bf16", 0.08f}, {"fp16", 0.005f}};

struct Fixtures {
  std::string dir;
  nlohmann::json doc;
  std::string path(const std::string& file) const { return dir + "/" + file; }
};

const Fixtures& fixtures() {
  static const Fixtures f = [] {
    Fixtures x;
    const std::string root = test::fixtures_dir();
    if (root.empty()) throw std::runtime_error("ATTNVIZ_FIXTURES is not set");
    x.dir = root + "/dtypes";
    x.doc = nlohmann::json::parse(test::read_text(x.path("dtypes.json")));
    return x;
  }();
  return f;
}

ModelInputs fixture_inputs() {
  const auto& f = fixtures();
  return test::npy_inputs(f.path(f.doc["inputs"][0]), f.path(f.doc["inputs"][1]));
}

using test::max_abs_diff;

int site_index(const Model& model, const std::string& name) {
  const auto& sites = model.sites();
  auto it = std::find_if(sites.begin(), sites.end(), [&](const Site& s) { return s.name == name; });
  if (it == sites.end()) throw std::runtime_error("no attention site " + name);
  return static_cast<int>(it - sites.begin());
}

// The fixture's sites captured per head from DTYPE's archive.
ForwardResult capture(const std::string& dtype) {
  const auto& f = fixtures();
  Model model = Model::load(f.path(f.doc["dtypes"][dtype]["model"]), {"cpu"});
  CaptureRequest request{{}, parse_head_fusion("mean"), true};
  for (const auto& name : f.doc["sites"]) request.sites.push_back(site_index(model, name));
  return model.run(fixture_inputs(), request);
}

class DtypeCapture : public ::testing::TestWithParam<std::string> {};

}  // namespace

TEST_P(DtypeCapture, ProbabilitiesEqualTheEagerRunOfTheSameArchive) {
  const auto& f = fixtures();
  const std::string dtype = GetParam();
  const auto result = capture(dtype);
  const auto& refs = f.doc["dtypes"][dtype]["probs"];
  ASSERT_EQ(result.layers.size(), refs.size());
  for (size_t k = 0; k < refs.size(); ++k) {
    const auto& layer = result.layers[k];
    const auto expected = read_npy(f.path(refs[k]));
    ASSERT_EQ(expected.shape.size(), 3u);
    EXPECT_EQ(layer.name, f.doc["sites"][k].get<std::string>());
    EXPECT_EQ(layer.heads, expected.shape[0]) << layer.name;
    EXPECT_EQ(layer.tq, expected.shape[1]) << layer.name;
    EXPECT_EQ(layer.tk, expected.shape[2]) << layer.name;
    EXPECT_LE(max_abs_diff(layer.per_head, expected.f32), kSameDtype) << dtype << " " << layer.name;
  }
}

TEST_P(DtypeCapture, ProbabilitiesStayWithinTheDtypesPrecisionOfFloat32) {
  const auto& f = fixtures();
  const std::string dtype = GetParam();
  const auto result = capture(dtype);
  const auto& refs = f.doc["dtypes"]["fp32"]["probs"];
  ASSERT_EQ(result.layers.size(), refs.size());
  for (size_t k = 0; k < refs.size(); ++k) {
    const auto expected = read_npy(f.path(refs[k]));
    EXPECT_LE(max_abs_diff(result.layers[k].per_head, expected.f32), kVsFloat32.at(dtype))
        << dtype << " " << result.layers[k].name;
  }
}

TEST_P(DtypeCapture, LogitsComeBackAsFloat32EqualToTheEagerRun) {
  const auto& f = fixtures();
  const std::string dtype = GetParam();
  Model model = Model::load(f.path(f.doc["dtypes"][dtype]["model"]), {"cpu"});
  const auto result = model.forward_only(fixture_inputs());
  const auto expected = read_npy(f.path(f.doc["dtypes"][dtype]["logits"]));
  EXPECT_EQ(result.output_shape, expected.shape);
  EXPECT_LE(max_abs_diff(result.output, expected.f32), kSameDtype) << dtype;
}

// The archive is scripted: F.softmax(dtype=float32) is an If with a softmax in each
// branch, so each layer's attention is one of two alternatives. Rollout streamed through
// the forward (the product carried past those Ifs) equals rolling out the captured layers.
TEST_P(DtypeCapture, RolloutStreamedPastScriptedBranchesEqualsRollingOutCapturedLayers) {
  const auto& f = fixtures();
  const std::string dtype = GetParam();
  Model model = Model::load(f.path(f.doc["dtypes"][dtype]["model"]), {"cpu"});
  const auto& lm = model.stacks().back();
  CaptureRequest streamed{lm.sites, parse_head_fusion("mean"), false};
  streamed.rollout_chains = {lm.sites};
  const auto rolled = model.run(fixture_inputs(), streamed);
  const auto raw = model.run(fixture_inputs(), CaptureRequest{lm.sites, parse_head_fusion("mean"), false});
  std::vector<const AttentionMap*> chain;
  for (const auto& layer : raw.layers) chain.push_back(&layer);
  const auto expected = attention_rollout(chain);
  ASSERT_EQ(rolled.layers.size(), expected.size());
  for (size_t l = 0; l < expected.size(); ++l)
    EXPECT_LE(max_abs_diff(rolled.layers[l].fused, expected[l]), kSameDtype) << dtype << " layer " << l;
  // Deep in the stack the product is far from the layer's own attention.
  EXPECT_GT(max_abs_diff(rolled.layers.back().fused, raw.layers.back().fused), 0.05f);
}

INSTANTIATE_TEST_SUITE_P(Dtypes, DtypeCapture, ::testing::Values("fp32", "bf16", "fp16"));

// libtorch 1.13 has no float16 CPU kernels for conv2d, matmul, softmax, layer_norm, ...:
// an archive that computes in float16 fails, and attnviz says so in one line naming the
// file and the missing kernel.
TEST(DtypeCapture, Float16ComputeOnCpuFailsWithAClearModelError) {
  const auto& f = fixtures();
  const std::string path = f.path(f.doc["fp16_compute"]);
  Model model = Model::load(path, {"cpu"});
  try {
    model.forward_only(fixture_inputs());
    FAIL() << "a float16 forward ran on the CPU";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_EQ(e.code(), ExitCode::model);
    EXPECT_NE(what.find(path), std::string::npos) << what;
    EXPECT_NE(what.find("not implemented for 'Half'"), std::string::npos) << what;
    EXPECT_EQ(what.find('\n'), std::string::npos) << what;
  }
}
