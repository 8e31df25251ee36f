#pragma once
// All of an item's files or none: each item writes into a private staging directory
// inside the output directory (same file system, so moving is a rename) and its files
// are renamed into place only once every one of them was written. A failed or
// interrupted item leaves nothing, and files of an earlier run with the same names stay
// as they were rather than being half replaced.
#include <cstddef>
#include <string>
#include <vector>

namespace attnviz::batch {

class StagingArea {
 public:
  // Creates OUT/.attnviz-staging.PID; throws an output Error naming it on failure.
  explicit StagingArea(const std::string& out_dir);
  ~StagingArea();  // removes whatever is left
  StagingArea(const StagingArea&) = delete;
  StagingArea& operator=(const StagingArea&) = delete;

  // A fresh directory for item `index`.
  std::string item_dir(size_t index) const;
  // Renames the item's staged files into the output directory, in the given order, and
  // returns their final paths. If a rename fails, the ones already moved are removed
  // and an output Error naming the file is thrown.
  std::vector<std::string> commit(size_t index, const std::vector<std::string>& staged) const;
  // Removes the item's staging directory and everything in it.
  void discard(size_t index) const;

 private:
  std::string out_dir_;
  std::string root_;
};

// Removes a directory tree (files, then directories); missing paths are fine.
void remove_tree(const std::string& path);

}  // namespace attnviz::batch
