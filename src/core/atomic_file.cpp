#include "attnviz/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>

#include "attnviz/error.h"
#include "attnviz/interrupt.h"

namespace attnviz {
namespace {

// Temporaries being written, for the signal handler. Fixed slots, so that removing
// them needs no allocation or locking.
constexpr int kSlots = 64;
std::atomic<bool> g_used[kSlots];
char g_names[kSlots][4096];
std::atomic<unsigned> g_counter{0};

int claim_slot(const std::string& name) {
  if (name.size() >= sizeof(g_names[0])) return -1;
  for (int i = 0; i < kSlots; ++i) {
    bool expected = false;
    if (g_used[i].compare_exchange_strong(expected, true)) {
      std::memcpy(g_names[i], name.c_str(), name.size() + 1);
      return i;
    }
  }
  return -1;
}

void release_slot(int slot) {
  if (slot >= 0) g_used[slot] = false;
}

}  // namespace

void write_file_atomic(const std::string& path, const std::string& bytes) {
  const std::string tmp = path + ".tmp." + std::to_string(getpid()) + "." + std::to_string(g_counter++);
  int slot = claim_slot(tmp);
  auto failed = [&](const char* what) {
    int err = errno;
    ::unlink(tmp.c_str());
    release_slot(slot);
    // The signal handler removed the temporary under us: that is the interruption, not
    // a write error.
    throw_if_interrupted();
    fail(ExitCode::output, path + ": cannot write (" + what + ": " + std::strerror(err) + ")");
  };
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    int err = errno;
    release_slot(slot);
    fail(ExitCode::output, path + ": cannot write (" + std::strerror(err) + ")");
  }
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      ::close(fd);
      failed("write");
    }
    done += static_cast<size_t>(n);
  }
  if (::close(fd) != 0) failed("close");
  if (::rename(tmp.c_str(), path.c_str()) != 0) failed("rename");
  release_slot(slot);
}

std::string read_file(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) fail_input(path, std::string("cannot read (") + std::strerror(errno) + ")");
  if (S_ISDIR(st.st_mode)) fail_input(path, "is a directory, not a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) fail_input(path, std::string("cannot read (") + std::strerror(errno) + ")");
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) fail_input(path, "read error");
  return ss.str();
}

void remove_pending_temporaries() {
  for (int i = 0; i < kSlots; ++i)
    if (g_used[i]) ::unlink(g_names[i]);
}

std::string join_path(const std::string& dir, const std::string& name) {
  if (dir.empty() || dir == ".") return name;
  return (std::filesystem::path(dir) / name).string();
}

void ensure_directory(const std::string& dir) {
  if (dir.empty() || dir == ".") return;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (!std::filesystem::is_directory(dir)) {
    // Name the component that is in the way, as mkdir -p would.
    std::filesystem::path blocker;
    for (const auto& part : std::filesystem::path(dir)) {
      blocker /= part;
      if (std::filesystem::exists(blocker) && !std::filesystem::is_directory(blocker))
        fail(ExitCode::output, dir + ": cannot create output directory (" + blocker.string() + " is a file)");
    }
    fail(ExitCode::output, dir + ": cannot create output directory (" + ec.message() + ")");
  }
  if (access(dir.c_str(), W_OK) != 0) fail(ExitCode::output, dir + ": output directory is not writable");
}

}  // namespace attnviz
