#pragma once
// run --resume FILE: a run that was stopped (killed, interrupted, out of time) is run
// again with the same arguments, and only the items it did not finish are processed.
// FILE is the NDJSON the stopped run printed; its records of finished items are printed
// again, in input order among the new ones, so the new output reads as one whole run.
#include <functional>
#include <string>
#include <vector>

#include "batch_runner.h"
#include "stored_records.h"

namespace attnviz::batch {

struct ResumePlan {
  std::vector<BatchItem> to_run;  // in input order
  std::vector<ItemRecord> done;   // in input order: the records to print for the rest
};

// An item is done when the last record `previous` has for its index is `ok`, is for the
// same input and stem, and lists files that are all in `out_dir` (spelled as this run
// spells them) and all `exist`. That is enough: an item's files are renamed into place
// only when all are written, and its record is printed after that, so a record that was
// printed names files that are complete. Everything else (failed, skipped, no record,
// a file gone) is run again.
ResumePlan plan_resume(const std::vector<BatchItem>& items, const RecordFile& previous, const std::string& out_dir,
                       const std::function<bool(const std::string&)>& exists);

// Hands the records of the run and the done ones to `emit` merged in input order: each
// of the run's records after the done ones before it, the done ones after the last of
// the run's at finish().
class ResumedRecords {
 public:
  ResumedRecords(std::vector<ItemRecord> done, std::function<void(const ItemRecord&)> emit);
  void operator()(const ItemRecord& record);
  void finish();

 private:
  void emit_done_before(size_t index);
  std::vector<ItemRecord> done_;
  size_t next_done_ = 0;
  std::function<void(const ItemRecord&)> emit_;
};

}  // namespace attnviz::batch
