#pragma once
// How finished items are reported on stdout: one NDJSON line each (--ndjson, schema in
// docs/batch.md), or the plain lines `run` has always printed (answers, file paths).
// Failures also go to stderr as one log line naming the input.
#include <nlohmann/json.hpp>

#include "batch_runner.h"

namespace attnviz::batch {

// Without `timings` the record has no `seconds`: the same inputs give the same bytes.
nlohmann::ordered_json record_json(const ItemRecord& record, bool timings = true);
// A record as one NDJSON line, without the newline (`attnviz merge` prints the same).
std::string record_line(const nlohmann::ordered_json& record);

class RecordPrinter {
 public:
  explicit RecordPrinter(bool ndjson, bool timings = true) : ndjson_(ndjson), timings_(timings) {}
  // Throws an output Error when stdout cannot be written (e.g. the reader went away).
  void operator()(const ItemRecord& record) const;

 private:
  bool ndjson_;
  bool timings_;
};

}  // namespace attnviz::batch
