// attnviz merge: the plan from the records, the summary, and placing the files.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include "attnviz/error.h"
#include "batch_merge.h"
#include "batch_records.h"
#include "merge_files.h"
#include "record_builders.h"
#include "test_support.h"

using namespace attnviz;
using namespace attnviz::batch;

namespace {

RecordFile task(const std::string& name, const std::vector<ItemRecord>& records) {
  std::string text;
  for (const auto& r : records) text += record_line(record_json(r, false)) + "\n";
  return parse_record_file(text, name);
}

ItemRecord item(size_t index, const std::string& task_dir) {
  const std::string stem = "img_" + std::to_string(index);
  return ok_record(index, "/data/" + stem + ".png", stem,
                   {task_dir + "/" + stem + ".overlay.png", task_dir + "/" + stem + ".json"});
}

std::vector<std::string> list_of(size_t n) {
  std::vector<std::string> list;
  for (size_t i = 0; i < n; ++i) list.push_back("/data/img_" + std::to_string(i) + ".png");
  return list;
}

bool has_line(const std::vector<std::string>& lines, const std::string& line) {
  for (const auto& l : lines)
    if (l == line) return true;
  return false;
}

std::string join_lines(const std::vector<std::string>& lines) {
  std::string text;
  for (const auto& l : lines) text += l + "\n";
  return text;
}

}  // namespace

TEST(Merge, RecordsInInputOrderWithFilesInTheMergedDirectoryAsOneRunPrintsThem) {
  // Two shards of 5 inputs: 1/2 has 0, 2, 4; 2/2 has 1, 3.
  const std::vector<RecordFile> files = {task("t2.ndjson", {item(1, "r/t2"), item(3, "r/t2")}),
                                         task("t1.ndjson", {item(0, "r/t1"), item(2, "r/t1"), item(4, "r/t1")})};
  MergeOptions options;
  options.out_dir = "r/merged";
  options.inputs = list_of(5);
  const MergePlan plan = plan_merge(files, options);
  ASSERT_EQ(plan.records.size(), 5u);
  for (size_t i = 0; i < 5; ++i) {
    ItemRecord single = item(i, "r/merged");
    EXPECT_EQ(record_line(plan.records[i]), record_line(record_json(single, false)))
        << "the line one run with --out r/merged prints for input " << i;
  }
  ASSERT_EQ(plan.files.size(), 10u);
  EXPECT_EQ(plan.files[0].source, "r/t1/img_0.json");
  EXPECT_EQ(plan.files[0].target, "r/merged/img_0.json");
  EXPECT_EQ(plan.files[0].record->source, "t1.ndjson");
  for (size_t i = 1; i < plan.files.size(); ++i) EXPECT_LT(plan.files[i - 1].target, plan.files[i].target);
  EXPECT_EQ(plan.summary.exit_code, 0);
  EXPECT_EQ(plan.summary.ok, 5u);
  EXPECT_TRUE(plan.summary.missing.empty());
}

TEST(Merge, TheOutputDirectoryIsSpelledLikeRunSpellsIt) {
  const std::vector<RecordFile> files = {task("t", {item(0, "t1")})};
  MergeOptions options;
  options.out_dir = ".";
  EXPECT_EQ(plan_merge(files, options).records[0]["files"][1], "img_0.json");
  options.out_dir = "merged/";
  EXPECT_EQ(plan_merge(files, options).records[0]["files"][1], "merged/img_0.json");
}

TEST(Merge, ALaterRecordForAnInputReplacesAnEarlierOne) {
  const std::vector<RecordFile> files = {
      task("t1.ndjson", {item(0, "t1"), error_record(2, "/data/img_2.png", 4, "t1/img_2.json: disk full")}),
      task("t2.ndjson", {item(1, "t2")}),
      task("t1.rerun.ndjson", {item(2, "t1")})};
  MergeOptions options;
  options.out_dir = "m";
  options.inputs = list_of(3);
  const MergePlan plan = plan_merge(files, options);
  EXPECT_EQ(plan.summary.exit_code, 0);
  EXPECT_EQ(plan.summary.ok, 3u);
  EXPECT_EQ(plan.records[2]["status"], "ok");
  const auto lines = summary_lines(plan.summary, 2);
  EXPECT_TRUE(has_line(lines, "t1.ndjson: 2 records, 1 replaced by later ones: 1 ok, 0 failed, 0 not run"))
      << join_lines(lines);
  EXPECT_TRUE(has_line(lines, "t1.rerun.ndjson: 1 records: 1 ok, 0 failed, 0 not run")) << join_lines(lines);
}

TEST(Merge, FailedNotRunAndMissingItemsAreSummedUpAndMakeTheExitCode) {
  ItemRecord skipped = error_record(5, "/data/img_5.png", 0, "not run: interrupted by signal 15");
  skipped.status = ItemStatus::skipped;
  const std::vector<RecordFile> files = {
      task("t1.ndjson", {item(0, "t1"), error_record(3, "/data/img_3.png", 3, "/data/img_3.png: model failed")}),
      task("t2.ndjson", {item(1, "t2"), error_record(4, "/data/img_4.png", 1, "/data/img_4.png: not an image"), skipped})};
  MergeOptions options;
  options.out_dir = "m";
  options.inputs = list_of(9);  // 3 shards: 2, 6, 7 and 8 have no record
  const MergePlan plan = plan_merge(files, options);
  const MergeSummary& s = plan.summary;
  EXPECT_EQ(s.exit_code, 3) << "as one run: the first failure in input order";
  EXPECT_EQ(s.missing, std::vector<size_t>({2, 6, 7, 8}));
  const auto lines = summary_lines(s, 3);
  const std::string text = join_lines(lines);
  EXPECT_EQ(lines[0], "9 items: 2 ok, 2 failed, 1 not run, 4 missing");
  EXPECT_TRUE(has_line(lines, "exit codes: 0 (2 items), 1 (1 item), 3 (1 item)")) << text;
  EXPECT_TRUE(has_line(lines, "failed: #3 (exit 3) t1.ndjson:2: /data/img_3.png: model failed")) << text;
  EXPECT_TRUE(has_line(lines, "not run: #5 t2.ndjson:3: not run: interrupted by signal 15")) << text;
  EXPECT_TRUE(has_line(lines, "missing: shard 3/3: 2 of 3 items have no record: #2, #8")) << text;
  EXPECT_TRUE(has_line(lines, "missing: shard 1/3: 1 of 3 items have no record: #6")) << text;
  EXPECT_TRUE(has_line(lines, "missing: shard 2/3: 1 of 3 items have no record: #7")) << text;

  const std::vector<RecordFile> usage = {
      task("t", {error_record(0, "/data/img_0.png", 1, "bad"), error_record(1, "/data/img_1.png", 2, "--prompt")})};
  EXPECT_EQ(plan_merge(usage, options).summary.exit_code, 2) << "a usage error wins, as in one run";
  const std::vector<RecordFile> incomplete = {task("t", {item(0, "t")})};
  EXPECT_EQ(plan_merge(incomplete, options).summary.exit_code, 1) << "missing items alone";
}

TEST(Merge, WithoutTheListOnlyGapsAreMissing) {
  const std::vector<RecordFile> files = {task("t", {item(0, "t"), item(3, "t")})};
  MergeOptions options;
  options.out_dir = "m";
  const MergePlan plan = plan_merge(files, options);
  EXPECT_EQ(plan.summary.missing, std::vector<size_t>({1, 2}));
  const auto lines = summary_lines(plan.summary, 0);
  EXPECT_EQ(lines[0], "4 items (highest index seen + 1): 2 ok, 0 failed, 0 not run, 2 missing");
  EXPECT_TRUE(has_line(lines, "missing: 2 items have no record: #1, #2")) << join_lines(lines);
}

TEST(Merge, RecordsFromAnotherListAreAnErrorNamingTheRecord) {
  MergeOptions options;
  options.out_dir = "m";
  options.inputs = list_of(3);
  options.inputs_source = "list.txt";
  ItemRecord other = item(1, "t");
  other.item.input = "/elsewhere/img_1.png";
  try {
    plan_merge({task("t.ndjson", {item(0, "t"), other})}, options);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::input);
    EXPECT_EQ(std::string(e.what()),
              "t.ndjson:2: input \"/elsewhere/img_1.png\" at index 1, but list.txt has \"/data/img_1.png\" there: the "
              "tasks ran over another list");
  }
  try {
    plan_merge({task("t.ndjson", {item(7, "t")})}, options);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()),
              "t.ndjson:1: index 7 is past the end of list.txt (3 inputs): the tasks ran over another list");
  }
}

TEST(MergeFiles, SameContentsByInodeOrBytes) {
  test::TempDir dir("merge-same");
  test::write_text(dir.file("a"), "one");
  test::write_text(dir.file("b"), "one");
  test::write_text(dir.file("c"), "two");
  test::write_text(dir.file("d"), "one!");
  EXPECT_TRUE(same_contents(dir.file("a"), dir.file("a")));
  EXPECT_TRUE(same_contents(dir.file("a"), dir.file("b")));
  EXPECT_FALSE(same_contents(dir.file("a"), dir.file("c")));
  EXPECT_FALSE(same_contents(dir.file("a"), dir.file("d")));
  EXPECT_FALSE(same_contents(dir.file("a"), dir.file("none")));
}

TEST(MergeFiles, PlacedFilesAreHardLinksOrCopiesAndLeaveNothingElse) {
  test::TempDir task("merge-task"), out("merge-out");
  test::write_text(task.file("src"), "bytes");
  place_file(task.file("src"), out.file("linked"), false);
  place_file(task.file("src"), out.file("copied"), true);
  struct stat src {}, linked {}, copied {};
  ASSERT_EQ(stat(task.file("src").c_str(), &src), 0);
  ASSERT_EQ(stat(out.file("linked").c_str(), &linked), 0);
  ASSERT_EQ(stat(out.file("copied").c_str(), &copied), 0);
  EXPECT_EQ(linked.st_ino, src.st_ino);
  EXPECT_NE(copied.st_ino, src.st_ino);
  EXPECT_EQ(test::read_text(out.file("copied")), "bytes");
  EXPECT_EQ(out.list(), std::vector<std::string>({"copied", "linked"})) << "no temporaries left";
}

TEST(MergeFiles, ProblemsAreFoundBeforeAnythingIsWritten) {
  test::TempDir dir("merge-problems");
  for (const char* d : {"t1", "t2", "m"}) ASSERT_EQ(mkdir(dir.file(d).c_str(), 0755), 0);
  test::write_text(dir.file("t1/a.json"), "A");
  test::write_text(dir.file("t2/a.json"), "A");  // same bytes: no conflict
  test::write_text(dir.file("t1/b.json"), "B1");
  test::write_text(dir.file("t2/b.json"), "B2");  // differs: conflict
  test::write_text(dir.file("t1/c.json"), "C");
  test::write_text(dir.file("m/c.json"), "old C");  // in the merged directory already, differs
  test::write_text(dir.file("t1/e.json"), "E");
  test::write_text(dir.file("m/e.json"), "E");  // already there, same: fine
  StoredRecord r1, r2;
  r1.source = "t1.ndjson", r1.line = 1, r2.source = "t2.ndjson", r2.line = 4;
  auto placement = [&](const std::string& source, const std::string& name, const StoredRecord& r) {
    return FilePlacement{dir.file(source), dir.file("m/" + name), &r};
  };
  const std::vector<FilePlacement> files = {
      placement("t1/a.json", "a.json", r1), placement("t2/a.json", "a.json", r2),
      placement("t1/b.json", "b.json", r1), placement("t2/b.json", "b.json", r2),
      placement("t1/c.json", "c.json", r1), placement("t1/d.json", "d.json", r1),
      placement("t1/e.json", "e.json", r1)};
  const auto problems = placement_problems(files);
  ASSERT_EQ(problems.size(), 3u) << join_lines(problems);
  EXPECT_EQ(problems[0], "conflicting files: " + dir.file("t1/b.json") + " (t1.ndjson:1) and " + dir.file("t2/b.json") +
                             " (t2.ndjson:4) differ, and both would be " + dir.file("m/b.json"));
  EXPECT_EQ(problems[1], "conflicting files: " + dir.file("m/c.json") + " is already there and differs from " +
                             dir.file("t1/c.json") + " (t1.ndjson:1)");
  EXPECT_EQ(problems[2], dir.file("t1/d.json") + ": no such file, yet t1.ndjson:1 lists it (rerun that task with --resume)");
}

TEST(Merge, RecordsCutShortByAKillAreCountedInTheSummary) {
  const std::string whole = record_line(record_json(item(0, "t"), false));
  const std::string rerun = record_line(record_json(item(1, "t"), false));
  const std::vector<RecordFile> files = {
      parse_record_file(whole + "\n" + whole.substr(0, 40) + rerun + "\n" + rerun.substr(0, 30), "t.ndjson")};
  MergeOptions options;
  options.out_dir = "m";
  const auto lines = summary_lines(plan_merge(files, options).summary, 1);
  EXPECT_TRUE(has_line(lines, "t.ndjson: 2 records: 2 ok, 0 failed, 0 not run; 2 cut short (as by a killed task) and dropped"))
      << join_lines(lines);
}
