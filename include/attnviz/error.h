#pragma once
// Errors that reach the user: one line, naming the input and the problem, plus the
// process exit code that the CLI documents (docs/cli.md).
#include <stdexcept>
#include <string>

namespace attnviz {

enum class ExitCode : int {
  ok = 0,
  input = 1,   // an image or other per-item input was bad
  usage = 2,   // command-line arguments were bad (also a --prompt word not in the vocabulary)
  model = 3,   // the model file could not be loaded or run
  output = 4,  // an output could not be written
  interrupted = 130,  // SIGINT/SIGTERM (128 + SIGINT)
};

class Error : public std::runtime_error {
 public:
  Error(ExitCode code, const std::string& message);
  ExitCode code() const { return code_; }

 private:
  ExitCode code_;
};

[[noreturn]] void fail(ExitCode code, const std::string& message);
[[noreturn]] void fail_usage(const std::string& message);
[[noreturn]] void fail_input(const std::string& subject, const std::string& problem);
[[noreturn]] void fail_model(const std::string& subject, const std::string& problem);

}  // namespace attnviz
