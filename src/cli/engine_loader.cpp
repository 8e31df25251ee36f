#include "engine_loader.h"

#include <dlfcn.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <filesystem>

#include "attnviz/error.h"

namespace attnviz::cli {
namespace {

std::string library_path() {
  if (const char* path = std::getenv("ATTNVIZ_ENGINE"); path && *path) return path;
  char exe[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0) return "libattnviz_app.so";  // the dynamic loader's search path
  const std::filesystem::path dir = std::filesystem::path(std::string(exe, n)).parent_path();
  for (const auto& candidate : {dir / "lib" / "libattnviz_app.so", dir / ".." / "lib" / "attnviz" / "libattnviz_app.so"})
    if (std::filesystem::exists(candidate)) return candidate.string();
  return (dir / "lib" / "libattnviz_app.so").string();
}

}  // namespace

const app::Engine& engine() {
  static const app::Engine* loaded = [] {
    const std::string path = library_path();
    void* handle = dlopen(path.c_str(), RTLD_LAZY | RTLD_LOCAL);  // lazy: ~15% of the start (bench/README.md)
    if (!handle) fail(ExitCode::internal, path + ": cannot load the attnviz engine: " + dlerror());
    auto entry = reinterpret_cast<const app::Engine* (*)()>(dlsym(handle, "attnviz_engine"));
    if (!entry) fail(ExitCode::internal, path + ": not an attnviz engine (no attnviz_engine entry)");
    const app::Engine* e = entry();
    if (e->version != app::kEngineVersion)
      fail(ExitCode::internal, path + ": engine version " + std::to_string(e->version) + ", this attnviz needs " +
                                   std::to_string(app::kEngineVersion) + " (a mixed installation?)");
    return e;
  }();
  return *loaded;
}

}  // namespace attnviz::cli
