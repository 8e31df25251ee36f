#include "merge_files.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "attnviz/atomic_file.h"
#include "attnviz/error.h"
#include "batch_staging.h"

namespace attnviz::batch {

bool is_regular_file(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

bool same_contents(const std::string& a, const std::string& b) {
  struct stat sa {}, sb {};
  if (::stat(a.c_str(), &sa) != 0 || ::stat(b.c_str(), &sb) != 0) return false;
  if (sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino) return true;
  if (sa.st_size != sb.st_size) return false;
  std::ifstream fa(a, std::ios::binary), fb(b, std::ios::binary);
  char ba[1 << 16], bb[1 << 16];
  while (fa && fb) {
    fa.read(ba, sizeof ba);
    fb.read(bb, sizeof bb);
    if (fa.gcount() != fb.gcount() || std::memcmp(ba, bb, static_cast<size_t>(fa.gcount())) != 0) return false;
  }
  return fa.eof() && fb.eof();
}

void place_file(const std::string& source, const std::string& target, bool copy) {
  if (!copy) {
    const auto slash = target.find_last_of('/');
    const std::string dir = slash == std::string::npos ? "." : target.substr(0, slash + 1);
    // A dot-name: `attnviz diff` skips it, should a killed merge leave it behind.
    const std::string tmp =
        join_path(dir, ".attnviz-merge." + std::to_string(::getpid()) + "." + std::filesystem::path(target).filename().string());
    ::unlink(tmp.c_str());
    if (::link(source.c_str(), tmp.c_str()) == 0) {
      if (::rename(tmp.c_str(), target.c_str()) == 0) return;
      const int err = errno;
      ::unlink(tmp.c_str());
      fail(ExitCode::output, target + ": cannot move into place (" + std::strerror(err) + ")");
    }
  }
  write_file_atomic(target, read_file(source));  // another file system, or no hard links
}

std::vector<std::string> placement_problems(const std::vector<FilePlacement>& files) {
  std::vector<std::string> problems;
  for (size_t i = 0; i < files.size(); ++i) {
    const FilePlacement& f = files[i];
    if (!is_regular_file(f.source)) {
      problems.push_back(f.source + ": no such file, yet " + f.record->where() +
                         " lists it (rerun that task with --resume)");
      continue;
    }
    const bool first_for_target = i == 0 || files[i - 1].target != f.target;
    if (!first_for_target) {
      const FilePlacement& previous = files[i - 1];
      if (previous.source != f.source && is_regular_file(previous.source) && !same_contents(previous.source, f.source))
        problems.push_back("conflicting files: " + previous.source + " (" + previous.record->where() + ") and " +
                           f.source + " (" + f.record->where() + ") differ, and both would be " + f.target);
    } else if (is_regular_file(f.target) && !same_contents(f.target, f.source)) {
      problems.push_back("conflicting files: " + f.target + " is already there and differs from " + f.source + " (" +
                         f.record->where() + ")");
    }
  }
  return problems;
}

}  // namespace attnviz::batch
