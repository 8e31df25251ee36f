#include "batch_merge.h"

#include <algorithm>
#include <filesystem>

#include "attnviz/atomic_file.h"
#include "attnviz/error.h"
#include "batch_staging.h"

namespace attnviz::batch {
namespace {

void check_against_list(const StoredRecord& stored, const MergeOptions& o) {
  const auto& list = *o.inputs;
  const BatchItem& item = stored.record.item;
  if (item.index >= list.size())
    fail(ExitCode::input, stored.where() + ": index " + std::to_string(item.index) + " is past the end of " +
                              o.inputs_source + " (" + std::to_string(list.size()) +
                              " inputs): the tasks ran over another list");
  if (list[item.index] != item.input)
    fail(ExitCode::input, stored.where() + ": input \"" + item.input + "\" at index " + std::to_string(item.index) +
                              ", but " + o.inputs_source + " has \"" + list[item.index] +
                              "\" there: the tasks ran over another list");
}

// "#3, #7, #11" with at most `shown` of them.
std::string index_list(const std::vector<size_t>& indices, size_t shown = 10) {
  std::string text;
  for (size_t i = 0; i < indices.size() && i < shown; ++i) text += (i ? ", #" : "#") + std::to_string(indices[i]);
  if (indices.size() > shown) text += ", ... (" + std::to_string(indices.size() - shown) + " more)";
  return text;
}

std::string items(size_t n) { return std::to_string(n) + (n == 1 ? " item" : " items"); }

}  // namespace

MergePlan plan_merge(const std::vector<RecordFile>& files, const MergeOptions& o) {
  std::vector<const RecordFile*> all;
  for (const auto& f : files) all.push_back(&f);
  const auto latest = latest_by_index(all);

  MergePlan plan;
  MergeSummary& s = plan.summary;
  s.list_known = o.inputs.has_value();
  s.expected = s.list_known ? o.inputs->size() : latest.empty() ? 0 : latest.rbegin()->first + 1;
  for (const auto& f : files) s.tasks.push_back({f.path, f.records.size(), 0, 0, 0, f.cut_short});
  for (size_t i = 0; i < s.expected; ++i)
    if (!latest.count(i)) s.missing.push_back(i);

  int first_failure = 0;
  bool usage_failure = false;
  for (const auto& [index, stored] : latest) {
    if (s.list_known) check_against_list(*stored, o);
    const ItemRecord& r = stored->record;
    TaskTally& task = s.tasks[static_cast<size_t>(
        std::find_if(files.begin(), files.end(), [&](const RecordFile& f) { return f.path == stored->source; }) -
        files.begin())];
    if (r.status == ItemStatus::ok) {
      ++s.ok, ++task.ok;
    } else if (r.status == ItemStatus::error) {
      ++s.failed, ++task.failed;
      if (first_failure == 0) first_failure = r.exit_code;
      usage_failure = usage_failure || r.exit_code == static_cast<int>(ExitCode::usage);
    } else {
      ++s.skipped, ++task.skipped;
    }
    if (r.status != ItemStatus::ok) s.not_ok.push_back(stored);
    if (r.status != ItemStatus::skipped) ++s.exit_codes[r.exit_code];

    nlohmann::ordered_json merged = stored->json;
    nlohmann::ordered_json targets = nlohmann::ordered_json::array();
    for (const auto& f : r.files) {
      const std::string target = join_path(o.out_dir, std::filesystem::path(f).filename().string());
      plan.files.push_back({f, target, stored});
      targets.push_back(target);
    }
    merged["files"] = targets;  // keeps its place among the keys
    plan.records.push_back(std::move(merged));
  }
  std::stable_sort(plan.files.begin(), plan.files.end(),
                   [](const FilePlacement& a, const FilePlacement& b) { return a.target < b.target; });

  if (s.failed) s.exit_code = usage_failure ? static_cast<int>(ExitCode::usage) : first_failure;
  else if (s.skipped || !s.missing.empty()) s.exit_code = 1;
  return plan;
}

std::vector<std::string> summary_lines(const MergeSummary& s, size_t shards) {
  std::vector<std::string> lines;
  lines.push_back(items(s.expected) + (s.list_known ? "" : " (highest index seen + 1)") + ": " +
                  std::to_string(s.ok) + " ok, " + std::to_string(s.failed) + " failed, " +
                  std::to_string(s.skipped) + " not run, " + std::to_string(s.missing.size()) + " missing");
  std::string codes;
  for (const auto& [code, count] : s.exit_codes)
    codes += (codes.empty() ? "" : ", ") + std::to_string(code) + " (" + items(count) + ")";
  if (!codes.empty()) lines.push_back("exit codes: " + codes);
  for (const auto& t : s.tasks) {
    const size_t counted = t.ok + t.failed + t.skipped;
    std::string line = t.source + ": " + std::to_string(t.records) + " records";
    if (counted != t.records) line += ", " + std::to_string(t.records - counted) + " replaced by later ones";
    line += ": " + std::to_string(t.ok) + " ok, " + std::to_string(t.failed) + " failed, " +
            std::to_string(t.skipped) + " not run";
    if (t.cut_short)
      line += "; " + std::to_string(t.cut_short) + " cut short (as by a killed task) and dropped";
    lines.push_back(line);
  }
  for (const auto* stored : s.not_ok) {
    const ItemRecord& r = stored->record;
    lines.push_back(std::string(r.status == ItemStatus::error ? "failed" : "not run") + ": #" +
                    std::to_string(r.item.index) +
                    (r.status == ItemStatus::error ? " (exit " + std::to_string(r.exit_code) + ")" : "") + " " +
                    stored->where() + ": " + r.error);
  }
  if (!s.missing.empty() && shards > 0) {
    std::map<size_t, std::vector<size_t>> by_shard;
    for (size_t i : s.missing) by_shard[i % shards + 1].push_back(i);
    for (const auto& [shard, indices] : by_shard) {
      const size_t in_shard = s.expected / shards + (shard - 1 < s.expected % shards ? 1 : 0);
      lines.push_back("missing: shard " + std::to_string(shard) + "/" + std::to_string(shards) + ": " +
                      std::to_string(indices.size()) + " of " + items(in_shard) + " have no record: " +
                      index_list(indices));
    }
  } else if (!s.missing.empty()) {
    lines.push_back("missing: " + items(s.missing.size()) + " have no record: " + index_list(s.missing));
  }
  if (!s.list_known)
    lines.push_back("without --inputs, items after the highest index seen cannot be told missing");
  return lines;
}

}  // namespace attnviz::batch
