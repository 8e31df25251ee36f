#include "snapshot_dir.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <vector>

#include <nlohmann/json.hpp>

#include "attnviz/atomic_file.h"
#include "attnviz/error.h"
#include "batch_staging.h"

namespace attnviz::batch {
namespace {

std::vector<std::string> entries(const std::string& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

SnapshotUpdate::SnapshotUpdate(const std::string& dir) : dir_(dir) {
  while (dir_.size() > 1 && dir_.back() == '/') dir_.pop_back();
  const std::filesystem::path path(dir_);
  const std::string parent = path.has_parent_path() ? path.parent_path().string() : ".";
  const std::string name = path.filename().string();
  if (name.empty() || name == "." || name == "..") fail_usage("--snapshot '" + dir + "': name a directory");

  struct stat st {};
  if (::stat(dir_.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) fail(ExitCode::output, dir_ + ": --snapshot directory is a file");
    const auto names = entries(dir_);
    if (!names.empty() && std::find(names.begin(), names.end(), kSnapshotManifest) == names.end())
      fail_usage("--snapshot " + dir_ + ": exists and is not an attnviz snapshot directory (no " +
                 kSnapshotManifest + "); refusing to replace it");
  }
  ensure_directory(parent);
  const std::string tag = std::to_string(::getpid());
  const std::string prefix = (parent == "." ? "" : parent + (parent == "/" ? "" : "/")) + "." + name;
  staging_ = prefix + ".attnviz-new." + tag;
  old_ = prefix + ".attnviz-old." + tag;
  remove_tree(staging_);
  if (::mkdir(staging_.c_str(), 0755) != 0)
    fail(ExitCode::output, staging_ + ": cannot create directory (" + std::strerror(errno) + ")");
}

SnapshotUpdate::~SnapshotUpdate() {
  if (!committed_) remove_tree(staging_);
}

void SnapshotUpdate::commit() {
  nlohmann::ordered_json manifest;
  manifest["format"] = "attnviz-snapshot";
  manifest["version"] = 1;
  manifest["files"] = entries(staging_);
  write_file_atomic(staging_ + "/" + kSnapshotManifest, manifest.dump(1) + "\n");

  struct stat st {};
  const bool had_old = ::stat(dir_.c_str(), &st) == 0;
  if (had_old && ::rename(dir_.c_str(), old_.c_str()) != 0)
    fail(ExitCode::output, dir_ + ": cannot replace the snapshots (" + std::strerror(errno) + ")");
  if (::rename(staging_.c_str(), dir_.c_str()) != 0) {
    const int err = errno;
    if (had_old) ::rename(old_.c_str(), dir_.c_str());
    fail(ExitCode::output, dir_ + ": cannot replace the snapshots (" + std::strerror(err) + ")");
  }
  committed_ = true;
  if (had_old) remove_tree(old_);
}

}  // namespace attnviz::batch
