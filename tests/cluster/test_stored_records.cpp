// Records printed by `run --ndjson`, read back for `merge` and `run --resume`.
#include <gtest/gtest.h>

#include "attnviz/error.h"
#include "batch_records.h"
#include "record_builders.h"
#include "stored_records.h"

using namespace attnviz;
using namespace attnviz::batch;

TEST(StoredRecords, ReadBackEqualsWhatWasPrintedByteForByte) {
  ItemRecord ok = ok_record(3, "scenes/caf\xc3\xa9 \"3\".png", "cafe_3", {"out/cafe_3.overlay.png", "out/cafe_3.json"});
  ok.runs = {{"tinyvlm-base", 16, "white"}, {"tinyvlm-base", 0, ""}};
  ok.seconds = 0.0815;
  ItemRecord failed = error_record(4, "scenes/broken.png", 1, "scenes/broken.png: not an image");
  ItemRecord skipped = error_record(5, "x.png", 0, "not run: interrupted by signal 2");
  skipped.status = ItemStatus::skipped;
  for (bool timings : {true, false}) {
    std::string text;
    for (const auto* r : {&ok, &failed, &skipped}) text += record_line(record_json(*r, timings)) + "\n";
    const RecordFile file = parse_record_file(text, "t.ndjson");
    ASSERT_EQ(file.records.size(), 3u);
    EXPECT_EQ(file.cut_short, 0u);
    std::string again;
    for (const auto& s : file.records) again += record_line(record_json(s.record, timings)) + "\n";
    EXPECT_EQ(again, text) << "parsed records print as they were printed";
    const ItemRecord& back = file.records[0].record;
    EXPECT_EQ(back.item.input, ok.item.input);
    EXPECT_EQ(back.runs.size(), 2u);
    EXPECT_EQ(back.runs[0].budget, 16);
    EXPECT_EQ(back.runs[1].budget, 0);
    EXPECT_EQ(back.files, ok.files);
    EXPECT_EQ(file.records[1].record.exit_code, 1);
    EXPECT_EQ(file.records[2].record.status, ItemStatus::skipped);
    EXPECT_EQ(file.records[2].line, 3u);
  }
}

TEST(StoredRecords, EmptyLinesAreSkippedAndLinesCounted) {
  const std::string line = record_line(record_json(ok_record(0, "a.png", "a", {"a.json"}), false));
  const RecordFile file = parse_record_file("\n" + line + "\n\n" + line + "\r\n", "f");
  ASSERT_EQ(file.records.size(), 2u);
  EXPECT_EQ(file.records[0].line, 2u);
  EXPECT_EQ(file.records[1].line, 4u);
  EXPECT_EQ(file.records[1].where(), "f:4");
}

TEST(StoredRecords, ALastLineCutShortIsDroppedAnywhereElseItIsAnError) {
  const std::string line = record_line(record_json(ok_record(0, "a.png", "a", {"a.json"}), false));
  const RecordFile cut = parse_record_file(line + "\n" + line.substr(0, 20), "f");
  EXPECT_EQ(cut.records.size(), 1u);
  EXPECT_EQ(cut.cut_short, 1u);
  const RecordFile whole_without_newline = parse_record_file(line + "\n" + line, "f");
  EXPECT_EQ(whole_without_newline.records.size(), 2u);
  EXPECT_EQ(whole_without_newline.cut_short, 0u);
  // A rerun appending (>>) after a task killed mid-line.
  const std::string rerun = record_line(record_json(ok_record(1, "b.png", "b", {"b.json"}), false));
  const RecordFile glued = parse_record_file(line + "\n" + line.substr(0, 50) + rerun + "\n" + line + "\n", "f");
  ASSERT_EQ(glued.records.size(), 3u);
  EXPECT_EQ(glued.cut_short, 1u);
  EXPECT_EQ(glued.records[1].json, nlohmann::ordered_json::parse(rerun));
  EXPECT_EQ(glued.records[1].line, 2u);
  try {
    parse_record_file(line.substr(0, 20) + "\n" + line + "\n", "task-2.ndjson");
    FAIL() << "a cut line ended by a newline is not what a killed writer leaves";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::input);
    EXPECT_EQ(std::string(e.what()), "task-2.ndjson:1: not a JSON line");
  }
}

TEST(StoredRecords, ALineThatIsNotARecordIsAnErrorNamingFileLineAndField) {
  auto problem = [](const std::string& text) {
    try {
      parse_record_file(text + "\n", "r.ndjson");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("(accepted)");
  };
  nlohmann::ordered_json good = record_json(ok_record(0, "a.png", "a", {"a.json"}), false);
  EXPECT_EQ(problem("[1,2]"), "r.ndjson:1: not a record of attnviz run --ndjson (not a JSON object)");
  auto without = good;
  without.erase("stem");
  EXPECT_EQ(problem(without.dump()), "r.ndjson:1: not a record of attnviz run --ndjson (no \"stem\")");
  auto negative = good;
  negative["index"] = -1;
  EXPECT_EQ(problem(negative.dump()), "r.ndjson:1: not a record of attnviz run --ndjson (\"index\" is not an index)");
  auto status = good;
  status["status"] = "done";
  EXPECT_EQ(problem(status.dump()), "r.ndjson:1: not a record of attnviz run --ndjson (unknown status \"done\")");
  auto file = good;
  file["files"] = {1};
  EXPECT_EQ(problem(file.dump()), "r.ndjson:1: not a record of attnviz run --ndjson (a file is not a string)");
  EXPECT_EQ(problem(good.dump()), "(accepted)");
}

TEST(StoredRecords, TheLastRecordOfAnIndexCounts) {
  auto line = [](const ItemRecord& r) { return record_line(record_json(r, false)) + "\n"; };
  const RecordFile first = parse_record_file(
      line(error_record(0, "a.png", 3, "a.png: model failed")) + line(ok_record(2, "c.png", "c", {"t1/c.json"})) +
          line(ok_record(0, "a.png", "a", {"t1/a.json"})),
      "first");
  const RecordFile second = parse_record_file(line(error_record(2, "c.png", 4, "c.png: disk full")), "second");
  const auto latest = latest_by_index({&first, &second});
  ASSERT_EQ(latest.size(), 2u);
  EXPECT_EQ(latest.at(0)->record.status, ItemStatus::ok) << "a later line replaces an earlier one";
  EXPECT_EQ(latest.at(0)->line, 3u);
  EXPECT_EQ(latest.at(2)->source, "second") << "a later file replaces an earlier one";
  EXPECT_EQ(latest.at(2)->record.exit_code, 4);
}
