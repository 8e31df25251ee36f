// Shards merged, and runs resumed, through the built binary with the bundled model over
// the example scenes: what the Slurm and GNU parallel examples rely on, without either.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <cstdio>
#include <sstream>

#include "test_support.h"

using namespace attnviz;

namespace {

std::string scene(int n) { return test::source_dir() + "/examples/scenes/scene_00" + std::to_string(n) + ".png"; }
std::string model() { return test::source_dir() + "/models/tinyvlm-base.pt"; }

std::string scene_list(int count) {
  std::string list;
  for (int n = 0; n < count; ++n) list += scene(n) + "\n";
  return list;
}

test::CommandResult run_over(const std::string& list, const std::string& out, const std::vector<std::string>& extra) {
  std::vector<std::string> args = {"-q", "run", model(), "-", "--out", out, "--ndjson", "--no-timings", "--jobs", "1"};
  args.insert(args.end(), extra.begin(), extra.end());
  return test::run_attnviz(args, list);
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

ino_t inode(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
}

}  // namespace

TEST(Shards, MergedShardsAreOneRunByteForByte) {
  test::TempDir dir("shards-merge");
  const std::string list = scene_list(7);
  const auto single = run_over(list, dir.file("single"), {});
  ASSERT_EQ(single.exit_code, 0) << single.err;
  std::vector<std::string> tasks;
  for (int i = 1; i <= 3; ++i) {
    const std::string records = dir.file("task-" + std::to_string(i) + ".ndjson");
    const auto task = run_over(list, dir.file("task-" + std::to_string(i)), {"--shard", std::to_string(i) + "/3"});
    ASSERT_EQ(task.exit_code, 0) << task.err;
    test::write_text(records, task.out);
    tasks.push_back(records);
  }
  test::write_text(dir.file("list.txt"), list);
  std::vector<std::string> args = {"merge", "--out", dir.file("merged"), "--inputs", dir.file("list.txt"), "--shards", "3"};
  // The later tasks first: the merge orders by input, not by file.
  args.insert(args.end(), tasks.rbegin(), tasks.rend());
  const auto merged = test::run_attnviz(args);
  ASSERT_EQ(merged.exit_code, 0) << merged.err;
  EXPECT_EQ(merged.out, replace_all(single.out, dir.file("single") + "/", dir.file("merged") + "/"))
      << "the records of one run with --out " << dir.file("merged");
  EXPECT_NE(merged.err.find("merge: 7 items: 7 ok, 0 failed, 0 not run, 0 missing"), std::string::npos) << merged.err;
  const auto diff = test::run_attnviz({"diff", dir.file("single"), dir.file("merged")});
  EXPECT_EQ(diff.exit_code, 0) << diff.out;
  ASSERT_EQ(lines_of(single.out).size(), 7u);
  for (const auto& name : {"scene_000.json", "scene_004.overlay.png", "scene_006.json"})
    EXPECT_EQ(test::read_text(dir.file(std::string("merged/") + name)),
              test::read_text(dir.file(std::string("single/") + name)))
        << name;
}

TEST(Shards, RecordsHaveSecondsUnlessNoTimings) {
  test::TempDir dir("shards-timings");
  const auto timed = test::run_attnviz({"-q", "run", model(), scene(0), "--out", dir.file("a"), "--ndjson"});
  ASSERT_EQ(timed.exit_code, 0) << timed.err;
  EXPECT_NE(timed.out.find(",\"seconds\":"), std::string::npos) << timed.out;
  const auto untimed = run_over(scene(0) + "\n", dir.file("b"), {});
  ASSERT_EQ(untimed.exit_code, 0) << untimed.err;
  EXPECT_EQ(untimed.out.find("seconds"), std::string::npos) << untimed.out;
  EXPECT_EQ(untimed.out.substr(untimed.out.size() - 14), "\"error\":null}\n") << untimed.out;
}

TEST(Shards, ResumeRunsOnlyWhatTheStoppedRunDidNotFinish) {
  test::TempDir dir("shards-resume");
  const std::string list = scene_list(5);
  const std::string out = dir.file("out");
  const auto full = run_over(list, out, {});
  ASSERT_EQ(full.exit_code, 0) << full.err;
  const auto records = lines_of(full.out);
  ASSERT_EQ(records.size(), 5u);
  // As a SIGKILL leaves it: two records, a third cut short; the third image's files were
  // committed before the kill, the fourth's and fifth's not.
  test::write_text(dir.file("run.ndjson"), records[0] + "\n" + records[1] + "\n" + records[2].substr(0, 60));
  ASSERT_EQ(std::remove((out + "/scene_003.json").c_str()), 0);
  ASSERT_EQ(std::remove((out + "/scene_003.overlay.png").c_str()), 0);
  ASSERT_EQ(std::remove((out + "/scene_004.overlay.png").c_str()), 0);
  const ino_t kept = inode(out + "/scene_001.overlay.png");
  const ino_t third = inode(out + "/scene_002.overlay.png");

  const auto resumed = run_over(list, out, {"--resume", dir.file("run.ndjson")});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_EQ(resumed.out, full.out) << "the records of the whole run, in input order";
  EXPECT_EQ(inode(out + "/scene_001.overlay.png"), kept) << "a finished image is not run again";
  EXPECT_NE(inode(out + "/scene_002.overlay.png"), third) << "an image without a whole record is run again";
  EXPECT_TRUE(test::file_exists(out + "/scene_003.json"));
  EXPECT_TRUE(test::file_exists(out + "/scene_004.overlay.png"));

  // Appended to the file it resumes from, as the examples do: every record is there twice
  // now, and merge takes the later one.
  test::write_text(dir.file("run.ndjson"), test::read_text(dir.file("run.ndjson")) + resumed.out);
  test::write_text(dir.file("list.txt"), list);
  const auto merged =
      test::run_attnviz({"merge", "--out", out, "--inputs", dir.file("list.txt"), dir.file("run.ndjson")});
  EXPECT_EQ(merged.exit_code, 0) << merged.err;
  EXPECT_EQ(merged.out, full.out) << "merged in place: the same records";
  EXPECT_NE(merged.err.find("1 cut short (as by a killed task) and dropped"), std::string::npos) << merged.err;
}

TEST(Shards, ResumeRefusesASnapshotAndNamesAMissingFile) {
  test::TempDir dir("shards-resume-errors");
  const auto snapshot = test::run_attnviz(
      {"run", model(), scene(0), "--snapshot", dir.file("snap"), "--resume", dir.file("run.ndjson")});
  EXPECT_EQ(snapshot.exit_code, 2);
  EXPECT_NE(snapshot.err.find("--resume"), std::string::npos) << snapshot.err;
  const auto missing = run_over(scene(0) + "\n", dir.file("out"), {"--resume", dir.file("none.ndjson")});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find(dir.file("none.ndjson") + ": cannot read"), std::string::npos) << missing.err;
  EXPECT_TRUE(missing.out.empty());
}
