#include "batch_runner.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <optional>
#include <thread>

#include <spdlog/spdlog.h>

#include "attnviz/atomic_file.h"
#include "attnviz/interrupt.h"
#include "batch_staging.h"
#include "progress.h"

namespace attnviz::batch {
namespace {


class Batch {
 public:
  Batch(const std::vector<BatchItem>& items, const ItemWork& work, const BatchOptions& o)
      : items_(items), work_(work), o_(o), staging_(o.out_dir), records_(items.size()) {}

  BatchResult run(const std::function<void(const ItemRecord&)>& emit) {
    ProgressBar progress(items_.size(), o_.progress);
    const int jobs = std::max(1, std::min<int>(o_.jobs, static_cast<int>(items_.size())));
    running_ = jobs;
    std::vector<std::thread> workers;
    for (int j = 0; j < jobs; ++j) workers.emplace_back([this] { work_loop(); });
    // Whatever happens below, the workers are told to stop and are joined.
    struct Joiner {
      Batch& b;
      std::vector<std::thread>& threads;
      ~Joiner() {
        b.request_stop();
        for (auto& t : threads)
          if (t.joinable()) t.join();
      }
    } joiner{*this, workers};

    BatchResult result;
    size_t emitted = 0;
    auto hand_over = [&](ItemRecord record) {
      count(record, result);
      progress.clear();  // the record's stderr line must not land on the bar
      emit(record);
      progress.update(finished_, failed_);
    };
    std::unique_lock<std::mutex> lock(mutex_);
    while (emitted < items_.size()) {
      if (records_[emitted]) {
        ItemRecord record = std::move(*records_[emitted]);
        records_[emitted].reset();
        ++emitted;
        lock.unlock();
        hand_over(std::move(record));
        lock.lock();
        continue;
      }
      if (running_ == 0) break;  // no worker left: nothing at or after `emitted` started
      // Wake up now and then: the signal handler cannot notify, and the ETA moves on.
      changed_.wait_for(lock, std::chrono::milliseconds(200));
      if (interrupted()) stop_ = true;
      progress.update(finished_, failed_);
    }
    lock.unlock();
    request_stop();
    for (auto& t : workers) t.join();

    for (; emitted < items_.size(); ++emitted) {
      ItemRecord record;
      if (records_[emitted]) {
        record = std::move(*records_[emitted]);
      } else {
        record.item = items_[emitted];
        record.status = ItemStatus::skipped;
        record.error = interrupted() ? "not run: interrupted by signal " + std::to_string(interrupt_signal())
                                     : "not run: the run stopped after " + first_failure_ + " failed" +
                                           (o_.keep_going ? "" : " (--keep-going goes on after a failure)");
      }
      hand_over(std::move(record));
    }
    progress.clear();

    result.interrupted = interrupted();
    if (result.interrupted) result.exit_code = static_cast<int>(ExitCode::interrupted);
    else if (usage_failure_) result.exit_code = static_cast<int>(ExitCode::usage);
    return result;
  }

 private:
  void request_stop() {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }

  void count(const ItemRecord& r, BatchResult& result) {
    if (r.status == ItemStatus::ok) ++result.ok;
    if (r.status == ItemStatus::skipped) ++result.skipped;
    if (r.status == ItemStatus::error) {
      if (result.failed++ == 0) result.exit_code = r.exit_code;  // the first in input order
    }
  }

  void work_loop() {
    for (;;) {
      size_t k;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        if (stop_ || interrupted() || next_ >= items_.size()) break;
        k = next_++;
      }
      ItemRecord record = process(items_[k]);
      std::lock_guard<std::mutex> lock(mutex_);
      if (record.status != ItemStatus::skipped) ++finished_;
      if (record.status == ItemStatus::error) {
        ++failed_;
        // A usage error is the command line's fault: every other item would fail alike.
        const bool usage = record.exit_code == static_cast<int>(ExitCode::usage);
        usage_failure_ = usage_failure_ || usage;
        if ((!o_.keep_going || usage) && !stop_) {
          stop_ = true;
          first_failure_ = record.item.input;
        }
      }
      records_[k] = std::move(record);
      changed_.notify_all();
    }
    std::lock_guard<std::mutex> lock(mutex_);
    --running_;
    changed_.notify_all();
  }

  ItemRecord process(const BatchItem& item) {
    ItemRecord r;
    r.item = item;
    const auto start = std::chrono::steady_clock::now();
    try {
      const std::string dir = staging_.item_dir(item.index);
      ItemOutput out = work_(item, dir);
      r.files = staging_.commit(item.index, out.files);
      if (!o_.reported_dir.empty() && o_.reported_dir != o_.out_dir)
        for (auto& f : r.files) f = reported_path(f);
      r.runs = std::move(out.runs);
      r.status = ItemStatus::ok;
    } catch (const Error& e) {
      staging_.discard(item.index);
      if (!e.details().empty()) spdlog::debug("{}: {}", item.input, e.details());
      if (e.code() == ExitCode::interrupted) {
        r.status = ItemStatus::skipped;
        r.error = std::string("not finished: ") + e.describe(o_.spelling);
      } else {
        r.status = ItemStatus::error;
        r.exit_code = static_cast<int>(e.code());
        r.error = naming_input(item, e.describe(o_.spelling));
      }
    } catch (const std::exception& e) {
      staging_.discard(item.index);
      r.status = ItemStatus::error;
      r.exit_code = static_cast<int>(ExitCode::internal);
      r.error = naming_input(item, std::string("internal error: ") + e.what());
    }
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return r;
  }

  // Model and usage errors name the model or the option; every item's line must name
  // its input (as attnviz::Error shows it: control characters escaped, one line).
  static std::string naming_input(const BatchItem& item, const std::string& message) {
    const std::string input = Error(ExitCode::input, item.input).what();
    return message.find(input) != std::string::npos ? message : Error(ExitCode::input, input + ": " + message).what();
  }

  // The same file name under reported_dir.
  std::string reported_path(const std::string& path) const {
    return join_path(o_.reported_dir, std::filesystem::path(path).filename().string());
  }

  const std::vector<BatchItem>& items_;
  const ItemWork& work_;
  const BatchOptions& o_;
  StagingArea staging_;

  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::optional<ItemRecord>> records_;  // by item, until handed over
  size_t next_ = 0;      // the next item to start
  int running_ = 0;      // workers not yet returned
  bool stop_ = false;    // start no more items
  std::atomic<size_t> finished_{0}, failed_{0};  // read by the progress bar without the lock
  bool usage_failure_ = false;
  std::string first_failure_;  // the input whose failure stopped the run
};

}  // namespace

const char* status_name(ItemStatus s) {
  switch (s) {
    case ItemStatus::ok: return "ok";
    case ItemStatus::error: return "error";
    case ItemStatus::skipped: return "skipped";
  }
  return "?";
}

BatchResult run_batch(const std::vector<BatchItem>& items, const ItemWork& work, const BatchOptions& options,
                      const std::function<void(const ItemRecord&)>& emit) {
  if (items.empty()) return {};
  Batch batch(items, work, options);
  return batch.run(emit);
}

}  // namespace attnviz::batch
