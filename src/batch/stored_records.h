#pragma once
// The NDJSON that `run --ndjson` printed, read back: `attnviz merge` joins the records of
// the tasks of a sharded run, `run --resume` reuses those of a run that was stopped.
#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "batch_runner.h"

namespace attnviz::batch {

struct StoredRecord {
  nlohmann::ordered_json json;  // the record as printed
  ItemRecord record;            // the same, parsed
  std::string source;           // the file it was read from
  size_t line = 0;              // 1-based
  std::string where() const { return source + ":" + std::to_string(line); }
};

struct RecordFile {
  std::string path;
  std::vector<StoredRecord> records;  // in file order
  // Records cut short, as a writer killed in the middle of a line leaves them, and
  // dropped: a last line without its newline that is not a whole record, or the start of
  // a line that a rerun appended a whole record to.
  size_t cut_short = 0;
};

// Parses `text`, the contents of `source`. Empty lines are skipped; every other line must
// be a record as docs/batch.md describes it (or a cut-short one, see RecordFile), or an
// input Error "SOURCE:LINE: ..." is thrown.
RecordFile parse_record_file(const std::string& text, const std::string& source);
// The same for a file; throws an input Error naming it when it cannot be read.
RecordFile read_record_file(const std::string& path);

// For each input index, the record that counts: the last one read (a rerun comes after
// the run it repeats, in the same file or a later one).
std::map<size_t, const StoredRecord*> latest_by_index(const std::vector<const RecordFile*>& files);

}  // namespace attnviz::batch
