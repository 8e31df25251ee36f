#pragma once
// Many images through one loaded model: a fixed pool of worker threads takes items in
// input order, each item's files appear all at once or not at all (batch_staging.h),
// and every item ends as exactly one record, handed over in input order.
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "attnviz/error.h"

namespace attnviz::batch {

struct BatchItem {
  size_t index = 0;   // position in the whole input list, before sharding
  std::string input;  // the path as given
  std::string stem;   // base name of its output files
};

// One analysis of an item (several with --budgets or several models).
struct RunSummary {
  std::string model;  // the model's name
  int budget = 0;     // 0: none
  std::string answer;
};

// What the work function produced: its files are in the staging directory it was given.
struct ItemOutput {
  std::vector<RunSummary> runs;
  std::vector<std::string> files;
};

// Writes one item's outputs into `staging_dir`; throws attnviz::Error when it fails.
// Called concurrently from several threads.
using ItemWork = std::function<ItemOutput(const BatchItem& item, const std::string& staging_dir)>;

enum class ItemStatus { ok, error, skipped };
const char* status_name(ItemStatus s);

struct ItemRecord {
  BatchItem item;
  ItemStatus status = ItemStatus::skipped;
  int exit_code = 0;               // ok: 0; error: the item's ExitCode value
  std::vector<RunSummary> runs;
  std::vector<std::string> files;  // final paths, in the order written
  std::string error;               // one line: the failure, or why the item was skipped
  double seconds = 0;              // wall time of the item (0 when skipped)
};

struct BatchOptions {
  std::string out_dir;       // where items' files are committed
  std::string reported_dir;  // the directory the records name (empty: out_dir); for
                             // --snapshot, where the files will be once it is updated
  int jobs = 1;
  bool keep_going = false;  // without it the first failure stops the run
  bool progress = false;    // a progress bar on stderr
  OptionSpelling spelling;  // how error messages name options
};

struct BatchResult {
  size_t ok = 0, failed = 0, skipped = 0;
  bool interrupted = false;
  // 130 interrupted; else 2 when an item hit a usage error; else the ExitCode of the
  // first failed item in input order (1 input, 3 model, 4 output); else 0.
  int exit_code = 0;
};

// Runs `work` over `items` on `options.jobs` threads. `emit` gets one record per item,
// on the calling thread and in input order, each as soon as it and all items before it
// are finished; a record for an item that was not run (after a failure without
// --keep-going, or after Ctrl-C) comes after the workers stopped. Between items the
// workers check attnviz::interrupted(). An exception from `emit` (e.g. stdout closed)
// stops the run: items in flight finish, then it is rethrown.
BatchResult run_batch(const std::vector<BatchItem>& items, const ItemWork& work, const BatchOptions& options,
                      const std::function<void(const ItemRecord&)>& emit);

}  // namespace attnviz::batch
