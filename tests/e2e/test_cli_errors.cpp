// Bad input: one line naming the file and the problem, a documented exit code, and no
// partial output files.
#include <gtest/gtest.h>

#include "cli_helpers.h"

using namespace attnviz;

namespace {

struct Case {
  test::TempDir dir{"err"};
  std::string out() const { return dir.file("out"); }
  // Output directory listing after the run (only the directory itself may exist).
  std::vector<std::string> outputs() const {
    test::TempDir probe("p");
    std::vector<std::string> names;
    std::string cmd = "ls -A " + out() + " 2>/dev/null";
    FILE* p = popen(cmd.c_str(), "r");
    char buf[512];
    while (p && fgets(buf, sizeof buf, p)) names.emplace_back(buf);
    if (p) pclose(p);
    return names;
  }
};

}  // namespace

TEST(CliErrors, MissingImage) {
  Case c;
  auto r = test::run_attnviz({"run", test::fixture_model("vlm_scripted"), c.dir.file("nope.png"), "--out", c.out()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(test::one_line_naming(r.err, "nope.png")) << r.err;
  EXPECT_TRUE(c.outputs().empty());
}

TEST(CliErrors, TextFileNamedJpg) {
  Case c;
  test::write_text(c.dir.file("fake.jpg"), "this is not a JPEG\n");
  auto r = test::run_attnviz({"run", test::fixture_model("vlm_scripted"), c.dir.file("fake.jpg"), "--out", c.out()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(test::one_line_naming(r.err, "fake.jpg")) << r.err;
  EXPECT_TRUE(c.outputs().empty());
}

TEST(CliErrors, NonTorchScriptModel) {
  Case c;
  test::write_text(c.dir.file("state_dict.pt"), "PK\x03\x04 but truncated");
  auto image = test::write_sample_image(c.dir, "x.png");
  auto r = test::run_attnviz({"run", c.dir.file("state_dict.pt"), image, "--out", c.out()});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_TRUE(test::one_line_naming(r.err, "state_dict.pt")) << r.err;
  EXPECT_TRUE(c.outputs().empty());
}

TEST(CliErrors, UnknownLayerNamesTheValidRange) {
  Case c;
  auto image = test::write_sample_image(c.dir, "x.png");
  auto r = test::run_attnviz({"run", test::fixture_model("vlm_scripted"), image, "--layers", "99", "--out", c.out()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(test::one_line_naming(r.err, "0-2")) << r.err;
  EXPECT_TRUE(c.outputs().empty());
}

TEST(CliErrors, BadOptionValuesAreUsageErrors) {
  Case c;
  auto image = test::write_sample_image(c.dir, "x.png");
  const auto model = test::fixture_model("vlm_scripted");
  for (std::vector<std::string> extra : {std::vector<std::string>{"--colormap", "nope"}, {"--alpha", "1.5"},
                                         {"--layers", "1,,2"}, {"--heads", "avg"}, {"--view", "pie"},
                                         {"--query", "first"}, {"--stack", "decoder"}}) {
    std::vector<std::string> args = {"run", model, image, "--out", c.out()};
    args.insert(args.end(), extra.begin(), extra.end());
    auto r = test::run_attnviz(args);
    EXPECT_EQ(r.exit_code, 2) << extra[0] << ": " << r.err;
    EXPECT_TRUE(test::one_line_naming(r.err, extra[0])) << r.err;
  }
  EXPECT_TRUE(c.outputs().empty());
}

TEST(CliErrors, OutputDirectoryThatIsAFile) {
  Case c;
  auto image = test::write_sample_image(c.dir, "x.png");
  test::write_text(c.dir.file("taken"), "");
  auto r = test::run_attnviz({"run", test::fixture_model("vlm_scripted"), image, "--out", c.dir.file("taken")});
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_TRUE(test::one_line_naming(r.err, "taken")) << r.err;
}

TEST(CliErrors, HeadIndexOutOfRange) {
  Case c;
  auto image = test::write_sample_image(c.dir, "x.png");
  auto r = test::run_attnviz({"run", test::fixture_model("vlm_scripted"), image, "--heads", "7", "--out", c.out()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(test::one_line_naming(r.err, "--heads 7")) << r.err;
}
