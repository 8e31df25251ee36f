#include "stored_records.h"

#include "attnviz/atomic_file.h"
#include "attnviz/error.h"

namespace attnviz::batch {
namespace {

using Json = nlohmann::ordered_json;

const std::string kRecordStart = "{\"index\":";

[[noreturn]] void fail_record(const std::string& where, const std::string& problem) {
  fail(ExitCode::input, where + ": not a record of attnviz run --ndjson (" + problem + ")");
}

const Json& member(const Json& j, const char* key, bool (Json::*is)() const noexcept, bool nullable,
                   const char* type, const std::string& where) {
  if (!j.contains(key)) fail_record(where, std::string("no \"") + key + "\"");
  const Json& v = j.at(key);
  if (!(v.*is)() && !(nullable && v.is_null())) fail_record(where, std::string("\"") + key + "\" is not " + type);
  return v;
}

ItemStatus parse_status(const std::string& text, const std::string& where) {
  for (ItemStatus s : {ItemStatus::ok, ItemStatus::error, ItemStatus::skipped})
    if (text == status_name(s)) return s;
  fail_record(where, "unknown status \"" + text + "\"");
}

ItemRecord parse_record(const Json& j, const std::string& where) {
  if (!j.is_object()) fail_record(where, "not a JSON object");
  ItemRecord r;
  r.item.index = member(j, "index", &Json::is_number_unsigned, false, "an index", where).get<size_t>();
  r.item.input = member(j, "input", &Json::is_string, false, "a string", where).get<std::string>();
  r.item.stem = member(j, "stem", &Json::is_string, false, "a string", where).get<std::string>();
  r.status = parse_status(member(j, "status", &Json::is_string, false, "a string", where).get<std::string>(), where);
  const Json& code = member(j, "exit_code", &Json::is_number_integer, true, "an integer", where);
  r.exit_code = code.is_null() ? 0 : code.get<int>();
  for (const auto& run : member(j, "runs", &Json::is_array, false, "an array", where)) {
    if (!run.is_object()) fail_record(where, "a run is not an object");
    const Json& budget = member(run, "budget", &Json::is_number_integer, true, "an integer", where);
    r.runs.push_back({member(run, "model", &Json::is_string, false, "a string", where).get<std::string>(),
                      budget.is_null() ? 0 : budget.get<int>(),
                      member(run, "answer", &Json::is_string, false, "a string", where).get<std::string>()});
  }
  for (const auto& f : member(j, "files", &Json::is_array, false, "an array", where)) {
    if (!f.is_string()) fail_record(where, "a file is not a string");
    r.files.push_back(f.get<std::string>());
  }
  const Json& error = member(j, "error", &Json::is_string, true, "a string", where);
  r.error = error.is_null() ? "" : error.get<std::string>();
  if (j.contains("seconds")) r.seconds = member(j, "seconds", &Json::is_number, false, "a number", where).get<double>();
  return r;
}

}  // namespace

RecordFile parse_record_file(const std::string& text, const std::string& source) {
  RecordFile file;
  file.path = source;
  size_t start = 0, line = 0;
  while (start < text.size()) {
    ++line;
    const size_t end = text.find('\n', start);
    const bool last_unterminated = end == std::string::npos;
    const std::string body = text.substr(start, last_unterminated ? std::string::npos : end - start);
    start = last_unterminated ? text.size() : end + 1;
    if (body.empty() || body == "\r") continue;
    StoredRecord stored;
    stored.source = source;
    stored.line = line;
    stored.json = Json::parse(body, nullptr, false);
    if (stored.json.is_discarded()) {
      // A record cut short by a kill, and the first record a rerun appended after it.
      // Records always begin so, and inside a JSON string the quotes would be escaped.
      const size_t glued = body.rfind(kRecordStart);
      if (glued != std::string::npos && glued > 0) stored.json = Json::parse(body.substr(glued), nullptr, false);
      if (!stored.json.is_discarded()) {
        ++file.cut_short;
      } else if (last_unterminated) {
        ++file.cut_short;
        break;
      } else {
        fail(ExitCode::input, stored.where() + ": not a JSON line");
      }
    }
    stored.record = parse_record(stored.json, stored.where());
    file.records.push_back(std::move(stored));
  }
  return file;
}

RecordFile read_record_file(const std::string& path) { return parse_record_file(read_file(path), path); }

std::map<size_t, const StoredRecord*> latest_by_index(const std::vector<const RecordFile*>& files) {
  std::map<size_t, const StoredRecord*> latest;
  for (const RecordFile* f : files)
    for (const auto& r : f->records) latest[r.record.item.index] = &r;
  return latest;
}

}  // namespace attnviz::batch
