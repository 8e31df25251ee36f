// run --resume: which items a stopped run finished, and the records printed in order.
#include <gtest/gtest.h>

#include <set>

#include "batch_records.h"
#include "batch_resume.h"
#include "record_builders.h"

using namespace attnviz::batch;

namespace {

RecordFile records_of(const std::vector<ItemRecord>& records) {
  std::string text;
  for (const auto& r : records) text += record_line(record_json(r)) + "\n";
  return parse_record_file(text, "previous.ndjson");
}

std::vector<size_t> indices(const std::vector<BatchItem>& items) {
  std::vector<size_t> out;
  for (const auto& i : items) out.push_back(i.index);
  return out;
}

std::vector<size_t> indices(const std::vector<ItemRecord>& records) {
  std::vector<size_t> out;
  for (const auto& r : records) out.push_back(r.item.index);
  return out;
}

}  // namespace

TEST(Resume, OnlyItemsWithAnOkRecordAndAllTheirFilesInOutAreDone) {
  std::vector<BatchItem> items;
  for (size_t i = 0; i < 9; ++i) items.push_back({i, "in/" + std::to_string(i) + ".png", std::to_string(i)});
  ItemRecord skipped = error_record(3, "in/3.png", 0, "not run: interrupted by signal 15");
  skipped.status = ItemStatus::skipped;
  ItemRecord renamed = ok_record(4, "in/4.png", "4", {"out/4.json"});
  renamed.item.stem = "in_4";
  const RecordFile previous = records_of({
      ok_record(0, "in/0.png", "0", {"out/0.overlay.png", "out/0.json"}),  // done
      ok_record(1, "in/1.png", "1", {"out/1.overlay.png", "out/1.json"}),  // a file is gone
      error_record(2, "in/2.png", 1, "in/2.png: not an image"),             // failed: run again
      skipped,                                                               // not run
      renamed,                                                               // another stem: another list
      ok_record(5, "other/5.png", "5", {"out/5.json"}),                      // another input at 5
      ok_record(6, "in/6.png", "6", {"elsewhere/6.json"}),                   // files outside --out
      ok_record(7, "in/7.png", "7", {"out/7.json"}),                         // replaced below
      error_record(7, "in/7.png", 4, "out/7.json: disk full"),              // the rerun failed
      // 8: no record (the run was killed before it)
  });
  const std::set<std::string> on_disk = {"out/0.overlay.png", "out/0.json", "out/1.overlay.png", "out/4.json",
                                         "out/5.json",        "elsewhere/6.json", "out/7.json"};
  const ResumePlan plan =
      plan_resume(items, previous, "out", [&](const std::string& path) { return on_disk.count(path) > 0; });
  EXPECT_EQ(indices(plan.done), std::vector<size_t>({0}));
  EXPECT_EQ(indices(plan.to_run), std::vector<size_t>({1, 2, 3, 4, 5, 6, 7, 8}));
  ASSERT_EQ(plan.done.size(), 1u);
  EXPECT_EQ(record_line(record_json(plan.done[0])), record_line(previous.records[0].json))
      << "the record printed again is the one the stopped run printed";
}

TEST(Resume, FilesAreLookedForWhereThisRunWritesThem) {
  const std::vector<BatchItem> items = {{0, "a.png", "a"}};
  auto all_exist = [](const std::string&) { return true; };
  EXPECT_EQ(plan_resume(items, records_of({ok_record(0, "a.png", "a", {"a.json"})}), ".", all_exist).done.size(), 1u);
  EXPECT_EQ(plan_resume(items, records_of({ok_record(0, "a.png", "a", {"out/a.json"})}), "out/", all_exist).done.size(),
            1u);
  EXPECT_EQ(plan_resume(items, records_of({ok_record(0, "a.png", "a", {"out/a.json"})}), "./out", all_exist).done.size(),
            0u)
      << "another spelling of --out would print other paths than the stopped run";
}

TEST(Resume, AnEmptyHistoryRunsEverything) {
  const std::vector<BatchItem> items = {{0, "a.png", "a"}, {2, "c.png", "c"}};
  const ResumePlan plan = plan_resume(items, parse_record_file("", "empty"), "out", [](const std::string&) {
    return true;
  });
  EXPECT_TRUE(plan.done.empty());
  EXPECT_EQ(indices(plan.to_run), std::vector<size_t>({0, 2}));
}

TEST(Resume, DoneRecordsArePrintedInInputOrderAmongTheNewOnes) {
  std::vector<ItemRecord> done = {ok_record(1, "b", "b", {}), ok_record(4, "e", "e", {}), ok_record(5, "f", "f", {})};
  std::vector<size_t> printed;
  ResumedRecords records(done, [&](const ItemRecord& r) { printed.push_back(r.item.index); });
  for (size_t i : {0, 2, 3, 6}) records(ok_record(i, "x", "x", {}));
  EXPECT_EQ(printed, std::vector<size_t>({0, 1, 2, 3, 4, 5, 6}));
  records.finish();
  EXPECT_EQ(printed.size(), 7u) << "nothing is printed twice";

  printed.clear();
  ResumedRecords all_done(done, [&](const ItemRecord& r) { printed.push_back(r.item.index); });
  EXPECT_TRUE(printed.empty());
  all_done.finish();
  EXPECT_EQ(printed, std::vector<size_t>({1, 4, 5})) << "with nothing to run, finish() prints them all";
}
