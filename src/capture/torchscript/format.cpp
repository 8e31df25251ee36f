#include <sys/stat.h>

#include <fstream>

#include "torchscript.h"

namespace attnviz::torchscript {

bool recognizes(const std::string& path) {
  auto ends = [&](const char* ext) {
    std::string e(ext);
    return path.size() >= e.size() && path.compare(path.size() - e.size(), e.size(), e) == 0;
  };
  if (ends(".pt") || ends(".pth") || ends(".ptl") || ends(".torchscript")) return true;
  // Only regular files are sniffed: opening a FIFO or device would block or consume it.
  struct stat st {};
  if (stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
  std::ifstream in(path, std::ios::binary);
  char magic[4] = {};
  return in.read(magic, 4) && magic[0] == 'P' && magic[1] == 'K' && magic[2] == 3 && magic[3] == 4;
}

}  // namespace attnviz::torchscript
