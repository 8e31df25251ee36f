#pragma once
// `run --snapshot DIR`: outputs meant for committing. The run writes into a fresh
// directory beside DIR and, only when every image succeeded, replaces DIR with it. DIR
// then holds exactly this run's files (none left over from inputs since removed), and
// a failed or interrupted update leaves the old snapshots as they were.
#include <string>

namespace attnviz::batch {

// Marks a directory as attnviz snapshots (only such a directory is ever replaced) and
// lists its files.
inline constexpr const char* kSnapshotManifest = "attnviz-snapshot.json";

class SnapshotUpdate {
 public:
  // Throws a usage Error when DIR exists, is not empty and has no manifest, and an
  // output Error when the new directory cannot be made.
  explicit SnapshotUpdate(const std::string& dir);
  ~SnapshotUpdate();  // removes the new directory unless committed
  SnapshotUpdate(const SnapshotUpdate&) = delete;
  SnapshotUpdate& operator=(const SnapshotUpdate&) = delete;

  const std::string& staging_dir() const { return staging_; }
  // Writes the manifest and puts the new directory in DIR's place; throws an output
  // Error (DIR unchanged) on failure.
  void commit();

 private:
  std::string dir_;
  std::string staging_;
  std::string old_;
  bool committed_ = false;
};

}  // namespace attnviz::batch
