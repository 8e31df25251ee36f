#pragma once
// Helpers shared by the tests: temporary directories, files, and running the CLI.
#include <string>
#include <vector>

namespace attnviz::test {

// A fresh empty directory under the build tree, removed at destruction.
class TempDir {
 public:
  explicit TempDir(const std::string& tag);
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  std::vector<std::string> list() const;  // file names, sorted

 private:
  std::string path_;
};

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs `attnviz ARGS...` (the binary under test), optionally with `stdin_text`.
CommandResult run_attnviz(const std::vector<std::string>& args, const std::string& stdin_text = "");

// Removes a directory tree, making read-only directories writable first; missing paths
// are fine.
void remove_tree(const std::string& path);

// Every entry below `dir`, recursively, dot files included: relative paths, sorted.
std::vector<std::string> tree(const std::string& dir);

std::string read_text(const std::string& path);
void write_text(const std::string& path, const std::string& text);
bool file_exists(const std::string& path);

// Directory with the generated fixture models (ATTNVIZ_FIXTURES), or "" when unset.
std::string fixtures_dir();
// The repository root (for models/ and examples/).
std::string source_dir();
// The tests' build directory (models made by CTest fixtures).
std::string build_dir();

}  // namespace attnviz::test
