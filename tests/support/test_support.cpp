#include "test_support.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace attnviz::test {
namespace {

namespace fs = std::filesystem;

std::atomic<int> g_counter{0};


std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

}  // namespace

TempDir::TempDir(const std::string& tag) {
  std::string base = env_or("ATTNVIZ_TEST_TMP", ATTNVIZ_DEFAULT_TMP);
  path_ = base + "/attnviz-test-" + tag + "-" + std::to_string(getpid()) + "-" + std::to_string(g_counter++);
  remove_tree(path_);
  if (mkdir(path_.c_str(), 0755) != 0) throw std::runtime_error("cannot create " + path_);
}

TempDir::~TempDir() {
  if (!std::getenv("ATTNVIZ_KEEP_TEST_FILES")) remove_tree(path_);
}

std::vector<std::string> TempDir::list() const {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(path_, ec)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

void remove_tree(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(fs::symlink_status(path, ec))) return;
  // Tests make directories unwritable on purpose; removing what is in them needs write
  // permission back.
  for (auto it = fs::recursive_directory_iterator(path, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec))
    if (it->is_directory(ec) && !it->is_symlink(ec)) fs::permissions(it->path(), fs::perms::owner_all, fs::perm_options::add, ec);
  fs::permissions(path, fs::perms::owner_all, fs::perm_options::add, ec);
  fs::remove_all(path, ec);
}

std::vector<std::string> tree(const std::string& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec))
    names.push_back(it->path().lexically_relative(dir).string());
  std::sort(names.begin(), names.end());
  return names;
}

CommandResult run_attnviz(const std::vector<std::string>& args, const std::string& stdin_text) {
  const std::string binary = env_or("ATTNVIZ_BIN", ATTNVIZ_DEFAULT_BIN);
  TempDir io("io");
  const std::string in_path = io.file("stdin"), out_path = io.file("stdout"), err_path = io.file("stderr");
  write_text(in_path, stdin_text);
  pid_t pid = fork();
  if (pid == 0) {
    int in = open(in_path.c_str(), O_RDONLY);
    int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(in, 0);
    dup2(out, 1);
    dup2(err, 2);
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(binary.c_str()));
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(binary.c_str(), argv.data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  CommandResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = read_text(out_path);
  r.err = read_text(err_path);
  return r;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

bool file_exists(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0;
}

std::string fixtures_dir() { return env_or("ATTNVIZ_FIXTURES", ATTNVIZ_DEFAULT_FIXTURES); }
std::string build_dir() { return ATTNVIZ_DEFAULT_TMP; }

std::string source_dir() { return env_or("ATTNVIZ_SOURCE_DIR", ATTNVIZ_DEFAULT_SOURCE_DIR); }

}  // namespace attnviz::test
