// Snapshot JSON as `attnviz diff` compares it: EXPECTED and ACTUAL are the input split at
// the first NUL byte. Whatever the documents, diff_json must return a report whose drifts
// are one line each, and a document compared with itself must not drift.
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "attnviz/snapshot_diff.h"
#include "fuzz_check.h"

using namespace attnviz;
using attnviz::fuzz::check;
using nlohmann::json;

namespace {

bool parse(const std::string& text, json& out) {
  out = json::parse(text, nullptr, /*allow_exceptions=*/false);
  return !out.is_discarded();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const size_t nul = text.find('\0');
  json expected, actual;
  if (!parse(text.substr(0, nul), expected)) return 0;
  if (nul != std::string::npos && !parse(text.substr(nul + 1), actual)) return 0;
  if (nul == std::string::npos) actual = expected;
  DiffOptions options;
  const DiffReport self = diff_json(expected, expected, "snap.json", options);
  check(self.ok());
  const DiffReport report = diff_json(expected, actual, "snap.json", options);
  for (const auto& d : report.drifts) {
    check(d.str().find('\n') == std::string::npos);
    check(d.count <= d.compared || d.compared == 0);
  }
  (void)report.to_json(options).dump();
  return 0;
}
