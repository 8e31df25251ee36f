#include "attnviz/interrupt.h"

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdint>
#include <cstring>

#include "attnviz/atomic_file.h"
#include "attnviz/error.h"

namespace attnviz {
namespace {

std::atomic<int> g_signal{0};

// The cleanup directory, in fixed storage the handler can read without allocating.
std::atomic<bool> g_cleanup_set{false};
char g_cleanup_dir[4096];

struct linux_dirent64 {
  uint64_t d_ino;
  int64_t d_off;
  unsigned short d_reclen;
  unsigned char d_type;
  char d_name[1];
};

// Removes `name` under `parent`, `depth` directory levels deep, with system calls only
// (async-signal-safe: no opendir, no allocation).
void remove_now(int parent, const char* name, int depth) {
  if (::unlinkat(parent, name, 0) == 0 || depth <= 0) {
    ::unlinkat(parent, name, AT_REMOVEDIR);
    return;
  }
  const int fd = ::openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd >= 0) {
    alignas(8) char buf[4096];
    for (int pass = 0; pass < 8; ++pass) {  // entries removed while listing can be skipped: list again
      bool removed = false;
      ::lseek(fd, 0, SEEK_SET);
      long n;
      while ((n = ::syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0) {
        for (long off = 0; off < n;) {
          const auto* d = reinterpret_cast<const linux_dirent64*>(buf + off);
          off += d->d_reclen;
          if (std::strcmp(d->d_name, ".") == 0 || std::strcmp(d->d_name, "..") == 0) continue;
          remove_now(fd, d->d_name, depth - 1);
          removed = true;
        }
      }
      if (!removed) break;
    }
    ::close(fd);
  }
  ::unlinkat(parent, name, AT_REMOVEDIR);
}

extern "C" void on_signal(int sig) {
  remove_pending_temporaries();
  if (g_signal.exchange(sig) != 0) {  // second signal: leave now
    if (g_cleanup_set.load()) remove_now(AT_FDCWD, g_cleanup_dir, 3);
    _exit(128 + sig);
  }
}

}  // namespace

void install_interrupt_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

bool interrupted() { return g_signal.load() != 0; }
int interrupt_signal() { return g_signal.load(); }

void set_interrupt_cleanup_dir(const std::string& dir) {
  g_cleanup_set = false;
  if (dir.empty() || dir.size() >= sizeof g_cleanup_dir) return;
  std::memcpy(g_cleanup_dir, dir.c_str(), dir.size() + 1);
  g_cleanup_set = true;
}

void throw_if_interrupted() {
  if (interrupted()) fail(ExitCode::interrupted, "interrupted by signal " + std::to_string(interrupt_signal()));
}

}  // namespace attnviz
