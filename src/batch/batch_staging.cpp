#include "batch_staging.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "attnviz/atomic_file.h"
#include "attnviz/error.h"
#include "attnviz/interrupt.h"

namespace attnviz::batch {
namespace {

void make_dir(const std::string& path) {
  if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST)
    fail(ExitCode::output, path + ": cannot create staging directory (" + std::strerror(errno) + ")");
}

}  // namespace

void remove_tree(const std::string& path) {
  std::error_code ec;  // missing paths are fine; what cannot be removed stays
  std::filesystem::remove_all(path, ec);
}

StagingArea::StagingArea(const std::string& out_dir)
    : out_dir_(out_dir), root_(join_path(out_dir, ".attnviz-staging." + std::to_string(::getpid()))) {
  make_dir(root_);
  set_interrupt_cleanup_dir(root_);  // a second Ctrl-C exits at once: it removes this too
}

StagingArea::~StagingArea() {
  set_interrupt_cleanup_dir("");
  remove_tree(root_);
}

std::string StagingArea::item_dir(size_t index) const {
  const std::string dir = root_ + "/" + std::to_string(index);
  remove_tree(dir);
  make_dir(dir);
  return dir;
}

std::vector<std::string> StagingArea::commit(size_t index, const std::vector<std::string>& staged) const {
  std::vector<std::string> final_paths;
  for (const auto& file : staged) {
    const std::string target = join_path(out_dir_, std::filesystem::path(file).filename().string());
    if (::rename(file.c_str(), target.c_str()) != 0) {
      const int err = errno;
      for (const auto& done : final_paths) ::unlink(done.c_str());
      discard(index);
      fail(ExitCode::output, target + ": cannot move into place (" + std::strerror(err) + ")");
    }
    final_paths.push_back(target);
  }
  discard(index);
  return final_paths;
}

void StagingArea::discard(size_t index) const { remove_tree(root_ + "/" + std::to_string(index)); }

}  // namespace attnviz::batch
