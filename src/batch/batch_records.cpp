#include "batch_records.h"

#include <cmath>
#include <iostream>

#include <spdlog/spdlog.h>

#include "attnviz/error.h"

namespace attnviz::batch {

nlohmann::ordered_json record_json(const ItemRecord& r, bool timings) {
  nlohmann::ordered_json j;
  j["index"] = r.item.index;
  j["input"] = r.item.input;
  j["stem"] = r.item.stem;
  j["status"] = status_name(r.status);
  j["exit_code"] = r.status == ItemStatus::skipped ? nlohmann::ordered_json() : nlohmann::ordered_json(r.exit_code);
  j["answer"] = r.runs.empty() ? "" : r.runs.front().answer;
  j["runs"] = nlohmann::ordered_json::array();
  for (const auto& run : r.runs) {
    nlohmann::ordered_json one;
    one["model"] = run.model;
    one["budget"] = run.budget ? nlohmann::ordered_json(run.budget) : nlohmann::ordered_json();
    one["answer"] = run.answer;
    j["runs"].push_back(std::move(one));
  }
  j["files"] = r.files;
  j["error"] = r.error.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(r.error);
  if (timings) j["seconds"] = std::round(r.seconds * 1000) / 1000;
  return j;
}

std::string record_line(const nlohmann::ordered_json& record) {
  // error_handler replace: a path that is not UTF-8 must not abort the whole run.
  return record.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

void RecordPrinter::operator()(const ItemRecord& r) const {
  if (r.status == ItemStatus::error) spdlog::error("{}", r.error);
  if (ndjson_) {
    std::cout << record_line(record_json(r, timings_)) << '\n';
  } else if (r.status == ItemStatus::ok) {
    for (const auto& run : r.runs)
      if (!run.answer.empty())
        std::cout << r.item.input << "\t" << run.model << (run.budget ? " @" + std::to_string(run.budget) : "")
                  << "\t" << run.answer << "\n";
    for (const auto& f : r.files) std::cout << f << "\n";
  }
  std::cout.flush();
  if (!std::cout) fail(ExitCode::output, "stdout: cannot write the results (was the reading end closed?)");
}

}  // namespace attnviz::batch
