#include "batch_staging.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "attnviz/error.h"
#include "attnviz/interrupt.h"

namespace attnviz::cli {
std::string file_name_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string path_in_dir(const std::string& dir, const std::string& name) {
  return dir.empty() || dir == "." ? name : (dir.back() == '/' ? dir + name : dir + "/" + name);
}

namespace {

void make_dir(const std::string& path) {
  if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST)
    fail(ExitCode::output, path + ": cannot create staging directory (" + std::strerror(errno) + ")");
}

}  // namespace

void remove_tree(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return;
  if (!S_ISDIR(st.st_mode)) {
    ::unlink(path.c_str());
    return;
  }
  if (DIR* d = ::opendir(path.c_str())) {
    std::vector<std::string> names;
    while (dirent* e = ::readdir(d)) {
      std::string n = e->d_name;
      if (n != "." && n != "..") names.push_back(n);
    }
    ::closedir(d);
    for (const auto& n : names) remove_tree(path + "/" + n);
  }
  ::rmdir(path.c_str());
}

StagingArea::StagingArea(const std::string& out_dir)
    : out_dir_(out_dir), root_(path_in_dir(out_dir, ".attnviz-staging." + std::to_string(::getpid()))) {
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
    const std::string target = path_in_dir(out_dir_, file_name_of(file));
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

}  // namespace attnviz::cli
