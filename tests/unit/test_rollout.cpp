#include <gtest/gtest.h>

#include "attnviz/error.h"
#include "attnviz/rollout.h"

using namespace attnviz;

namespace {

AttentionMap square(std::vector<float> values, int t) {
  AttentionMap a;
  a.name = "l";
  a.heads = 1;
  a.tq = a.tk = t;
  a.fused = std::move(values);
  return a;
}

}  // namespace

TEST(Rollout, MixesInTheResidualAndMultipliesAcrossLayers) {
  auto uniform = square({0.5f, 0.5f, 0.5f, 0.5f}, 2);
  auto rolled = attention_rollout({&uniform, &uniform});
  ASSERT_EQ(rolled.size(), 2u);
  // (A + I) / 2 = [[.75, .25], [.25, .75]]; squared: [[.625, .375], [.375, .625]].
  EXPECT_NEAR(rolled[0][0], 0.75, 1e-6);
  EXPECT_NEAR(rolled[0][1], 0.25, 1e-6);
  EXPECT_NEAR(rolled[1][0], 0.625, 1e-6);
  EXPECT_NEAR(rolled[1][1], 0.375, 1e-6);
}

TEST(Rollout, RowsStayDistributionsForCausalLayers) {
  auto causal = square({1.0f, 0.0f, 0.0f, 0.3f, 0.7f, 0.0f, 0.2f, 0.2f, 0.6f}, 3);
  auto rolled = attention_rollout({&causal, &causal, &causal});
  for (const auto& m : rolled) {
    for (int i = 0; i < 3; ++i) {
      double sum = 0;
      for (int j = 0; j < 3; ++j) {
        sum += m[i * 3 + j];
        if (j > i) EXPECT_EQ(m[i * 3 + j], 0.0f) << "rollout leaked into the future";
      }
      EXPECT_NEAR(sum, 1.0, 1e-6);
    }
  }
}

TEST(Rollout, CrossAttentionIsRefused) {
  AttentionMap cross;
  cross.name = "cross.mha";
  cross.tq = 4;
  cross.tk = 16;
  cross.heads = 1;
  cross.fused.assign(64, 1.0f / 16);
  EXPECT_THROW(attention_rollout({&cross}), Error);
}

TEST(Rollout, WindowedAttentionIsRefusedNotRead) {
  AttentionMap windowed = square(std::vector<float>(2 * 4, 0.5f), 2);
  windowed.name = "swin.block0";
  windowed.windows = 2;  // two windows of 2x2: not one matrix
  try {
    attention_rollout({&windowed});
    FAIL() << "a windowed layer was rolled out";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("swin.block0"), std::string::npos) << e.what();
  }
}
