#pragma once
// Records as `run` makes them, for the tests of merge and resume.
#include <string>
#include <vector>

#include "batch_runner.h"

inline attnviz::batch::ItemRecord ok_record(size_t index, const std::string& input, const std::string& stem,
                                          const std::vector<std::string>& files) {
  attnviz::batch::ItemRecord r;
  r.item = {index, input, stem};
  r.status = attnviz::batch::ItemStatus::ok;
  r.runs = {{"tinyvlm-base", 64, "red"}};
  r.files = files;
  r.seconds = 0.25;
  return r;
}

inline attnviz::batch::ItemRecord error_record(size_t index, const std::string& input, int exit_code,
                                             const std::string& error) {
  attnviz::batch::ItemRecord r;
  r.item = {index, input, input.substr(0, input.find('.'))};
  r.status = attnviz::batch::ItemStatus::error;
  r.exit_code = exit_code;
  r.error = error;
  return r;
}
