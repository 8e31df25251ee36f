#include "batch_resume.h"

#include <filesystem>
#include <limits>

#include "attnviz/atomic_file.h"
#include "batch_staging.h"

namespace attnviz::batch {

ResumePlan plan_resume(const std::vector<BatchItem>& items, const RecordFile& previous, const std::string& out_dir,
                       const std::function<bool(const std::string&)>& exists) {
  const auto latest = latest_by_index({&previous});
  ResumePlan plan;
  for (const auto& item : items) {
    const auto found = latest.find(item.index);
    bool done = found != latest.end();
    if (done) {
      const ItemRecord& r = found->second->record;
      done = r.status == ItemStatus::ok && r.item.input == item.input && r.item.stem == item.stem;
      for (const auto& f : r.files) done = done && f == join_path(out_dir, std::filesystem::path(f).filename().string()) && exists(f);
    }
    if (done) plan.done.push_back(found->second->record);
    else plan.to_run.push_back(item);
  }
  return plan;
}

ResumedRecords::ResumedRecords(std::vector<ItemRecord> done, std::function<void(const ItemRecord&)> emit)
    : done_(std::move(done)), emit_(std::move(emit)) {}

void ResumedRecords::operator()(const ItemRecord& record) {
  emit_done_before(record.item.index);
  emit_(record);
}

void ResumedRecords::finish() { emit_done_before(std::numeric_limits<size_t>::max()); }

void ResumedRecords::emit_done_before(size_t index) {
  while (next_done_ < done_.size() && done_[next_done_].item.index < index) emit_(done_[next_done_++]);
}

}  // namespace attnviz::batch
