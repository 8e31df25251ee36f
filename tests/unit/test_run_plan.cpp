// `attnviz run`'s options to a plan, with no model: CLI11 parses a command line into
// RunArgs, make_run_plan checks and types it.
#include <gtest/gtest.h>

#include "attnviz/error.h"
#include "run_options.h"

using namespace attnviz;
using attnviz::cli::RunArgs;

namespace {

// Parses `run ARGS...` as the executable does; CLI11's own errors propagate.
RunArgs parsed(std::vector<std::string> args) {
  CLI::App app;
  auto* run = app.add_subcommand("run");
  RunArgs r;
  cli::add_run_options(*run, r);
  args.insert(args.begin(), "run");
  std::reverse(args.begin(), args.end());  // CLI11 takes them last first
  app.parse(args);
  return r;
}

app::RunPlan plan(std::vector<std::string> args) { return cli::make_run_plan(parsed(std::move(args))); }

std::string usage_option(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::usage) << e.what();
    return e.option().empty() ? e.what() : e.option();
  }
  ADD_FAILURE() << "no usage error";
  return "";
}

}  // namespace

TEST(RunPlan, DefaultsAreTheDocumentedOnes) {
  const auto p = plan({"m.pt", "a.png"});
  EXPECT_EQ(p.inputs, (std::vector<std::string>{"m.pt", "a.png"}));
  EXPECT_TRUE(p.analysis.layers.all());
  EXPECT_EQ(p.formats, (std::vector<std::string>{"png", "json"}));
  EXPECT_TRUE(p.figures.overlay);
  EXPECT_FALSE(p.figures.grid);
  EXPECT_EQ(p.jobs, 0);  // auto
  EXPECT_EQ(p.shard.count, 1u);
  EXPECT_EQ(p.out_dir, "attnviz_out");
  EXPECT_FALSE(p.analysis.per_head);
  EXPECT_EQ(p.colormap, "viridis");
  EXPECT_DOUBLE_EQ(p.figures.overlay_style.alpha, 0.5);
}

TEST(RunPlan, OptionsBecomeTypedValues) {
  const auto p = plan({"m.pt", "a.png", "--layers", "1,-1", "--view", "grid,overlay", "--format", "npy,json", "--jobs",
                       "2", "--shard", "2/3", "--heads", "max", "--query", "0:3", "--input-ids", "1,5,7", "--budgets",
                       "8,64", "--size", "32x48", "--scale", "shared", "--log", "--method", "rollout"});
  EXPECT_EQ(p.analysis.layers.resolve(24), (std::vector<int>{1, 23}));
  EXPECT_TRUE(p.figures.grid);
  EXPECT_EQ(p.formats, (std::vector<std::string>{"npy", "json"}));  // sink order
  EXPECT_TRUE(p.analysis.per_head);                                 // npy keeps the heads
  EXPECT_EQ(p.jobs, 2);
  EXPECT_EQ(p.shard.index, 2u);
  EXPECT_EQ(p.shard.count, 3u);
  EXPECT_EQ(p.analysis.fusion.kind, HeadFusion::Kind::max);
  EXPECT_EQ(p.analysis.query->str(), "0:3");
  EXPECT_EQ(*p.analysis.input_ids, (std::vector<int64_t>{1, 5, 7}));
  EXPECT_EQ(p.budgets, (std::vector<int>{8, 64}));
  EXPECT_EQ(*p.preprocess.size, (std::array<int, 2>{32, 48}));
  EXPECT_TRUE(p.figures.grid_style.shared_scale);
  EXPECT_TRUE(p.figures.grid_style.log_scale);
  EXPECT_TRUE(p.analysis.rollout);
}

TEST(RunPlan, SnapshotsAreImagesAndNumbersInTheirOwnDirectory) {
  const auto p = plan({"m.pt", "a.png", "--snapshot", "snaps"});
  EXPECT_EQ(p.snapshot_dir, "snaps");
  EXPECT_EQ(p.formats, (std::vector<std::string>{"png", "json"}));
  EXPECT_NE(usage_option([] { plan({"m.pt", "a.png", "--snapshot", "s", "--out", "o"}); }).find("--snapshot"),
            std::string::npos);
  EXPECT_NE(usage_option([] { plan({"m.pt", "a.png", "--snapshot", "s", "--format", "png"}); }).find("--snapshot"),
            std::string::npos);
  EXPECT_NE(usage_option([] { plan({"m.pt", "a.png", "--snapshot", "s", "--shard", "1/2"}); }).find("--shard"),
            std::string::npos);
}

TEST(RunPlan, BadValuesAreUsageErrorsAboutTheirOption) {
  EXPECT_EQ(usage_option([] { plan({"m.pt", "a.png", "--layers", "1,,2"}); }), "layers");
  EXPECT_EQ(usage_option([] { plan({"m.pt", "a.png", "--heads", "avg"}); }), "heads");
  EXPECT_EQ(usage_option([] { plan({"m.pt", "a.png", "--query", "first"}); }), "query");
  EXPECT_EQ(usage_option([] { plan({"m.pt", "a.png", "--shard", "0/2"}); }), "shard");
  EXPECT_EQ(usage_option([] { plan({"m.pt", "a.png", "--image-tokens", "1:2"}); }), "image-tokens");
  EXPECT_EQ(usage_option([] { plan({"m.pt", "a.png", "--budgets", "8,x"}); }), "budgets");
  EXPECT_NE(usage_option([] { plan({"m.pt", "a.png", "--alpha", "nan"}); }).find("--alpha"), std::string::npos);
  EXPECT_NE(usage_option([] { plan({"m.pt", "a.png", "--max-pixels", "0"}); }).find("--max-pixels"), std::string::npos);
  EXPECT_NE(usage_option([] { plan({"m.pt", "a.png", "--size", "32"}); }).find("--size"), std::string::npos);
}

TEST(RunPlan, ClosedSetsAreCheckedWhileParsing) {
  for (std::vector<std::string> bad : {std::vector<std::string>{"--view", "pie"}, {"--view", "grid,"},
                                       {"--format", "svg"}, {"--method", "attn"}, {"--scale", "log"},
                                       {"--jobs", "0"}, {"--jobs", "257"}, {"--jobs", "two"}, {"--threads", "-1"}}) {
    std::vector<std::string> args = {"m.pt", "a.png"};
    args.insert(args.end(), bad.begin(), bad.end());
    EXPECT_THROW(parsed(args), CLI::ValidationError) << bad[0] << " " << bad[1];
  }
  EXPECT_EQ(plan({"m.pt", "a.png", "--jobs", "auto"}).jobs, 0);
  EXPECT_EQ(plan({"m.pt", "a.png", "--jobs", "256"}).jobs, 256);
}
