#include "attnviz/error.h"

namespace attnviz {

Error::Error(ExitCode code, const std::string& message)
    : std::runtime_error(message), code_(code) {}

void fail(ExitCode code, const std::string& message) { throw Error(code, message); }
void fail_usage(const std::string& message) { throw Error(ExitCode::usage, message); }
void fail_input(const std::string& subject, const std::string& problem) {
  throw Error(ExitCode::input, subject + ": " + problem);
}
void fail_model(const std::string& subject, const std::string& problem) {
  throw Error(ExitCode::model, subject + ": " + problem);
}

}  // namespace attnviz
