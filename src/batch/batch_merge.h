#pragma once
// attnviz merge: the records and files of the tasks of a sharded run (`run --shard I/N
// --ndjson`, one output directory per task) joined into what one run over the whole list
// would have written: one directory, one NDJSON in input order. Everything here is
// decided from the records alone; cmd_merge.cpp reads, compares and places the files.
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "stored_records.h"

namespace attnviz::batch {

struct MergeOptions {
  std::string out_dir;  // spelled as the --out of the single run it stands for
  // The whole input list, when known: records are checked against it, and inputs with no
  // record at all (a task that never ran) are found. Without it only gaps below the
  // highest index seen are.
  std::optional<std::vector<std::string>> inputs;
  std::string inputs_source;  // the list's file name, for messages
  size_t shards = 0;          // N of --shard I/N, to say which task missing items belong to; 0: unknown
};

// One file of the merged result, and the task file it is a copy of.
struct FilePlacement {
  std::string source;  // as the task's record names it
  std::string target;  // in MergeOptions::out_dir
  const StoredRecord* record = nullptr;
};

// Per record file (per task), its records that count (a later rerun replaces them).
struct TaskTally {
  std::string source;
  size_t records = 0;  // lines read
  size_t ok = 0, failed = 0, skipped = 0;
  size_t cut_short = 0;  // records cut short by a kill (RecordFile)
};

struct MergeSummary {
  size_t expected = 0;  // items in the list (without it: highest index seen + 1)
  bool list_known = false;
  size_t ok = 0, failed = 0, skipped = 0;
  std::vector<size_t> missing;                     // indices with no record
  std::map<int, size_t> exit_codes;                // items' exit codes (not skipped ones) -> count
  std::vector<const StoredRecord*> not_ok;         // failed and skipped, in input order
  std::vector<TaskTally> tasks;
  // 0: every item ok. Failed items: the code one run over the whole list would exit
  // with (2 when any met a usage error, else the first failure's in input order).
  // Only skipped or missing items: 1.
  int exit_code = 0;
};

struct MergePlan {
  std::vector<nlohmann::ordered_json> records;  // in input order, `files` under out_dir
  std::vector<FilePlacement> files;             // sorted by target; a target may come twice
  MergeSummary summary;
};

// Throws an input Error naming the record when a record contradicts the input list.
MergePlan plan_merge(const std::vector<RecordFile>& files, const MergeOptions& options);

// The summary as lines for stderr (without "merge: " prefixes or newlines).
std::vector<std::string> summary_lines(const MergeSummary& summary, size_t shards);

}  // namespace attnviz::batch
