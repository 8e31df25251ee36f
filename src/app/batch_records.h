#pragma once
// How finished items are reported on stdout: one NDJSON line each (--ndjson, schema in
// docs/batch.md), or the plain lines `run` has always printed (answers, file paths).
// Failures also go to stderr as one log line naming the input.
#include <nlohmann/json.hpp>

#include "batch_runner.h"

namespace attnviz::app {

nlohmann::ordered_json record_json(const ItemRecord& record);

class RecordPrinter {
 public:
  explicit RecordPrinter(bool ndjson) : ndjson_(ndjson) {}
  // Throws an output Error when stdout cannot be written (e.g. the reader went away).
  void operator()(const ItemRecord& record) const;

 private:
  bool ndjson_;
};

}  // namespace attnviz::app
