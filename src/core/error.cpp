#include "attnviz/error.h"

#include "attnviz/strings.h"

namespace attnviz {

// Messages quote what users and files supply (specs, paths, words, JSON); a newline or
// terminal escape in those must not break the one-line error.
Error::Error(ExitCode code, const std::string& message)
    : std::runtime_error(escape_control(message)), code_(code) {}

Error::Error(ExitCode code, const std::string& context, const std::string& key, const std::string& detail)
    : std::runtime_error(escape_control(context + key + detail)),
      code_(code),
      context_(context),
      key_(key),
      detail_(detail) {}

Error Error::in_context(const std::string& prefix) const {
  Error e = key_.empty() ? Error(code_, prefix + ": " + what()) : Error(code_, prefix + ": " + context_, key_, detail_);
  e.details_ = details_;
  return e;
}

Error Error::with_details(const std::string& details) const {
  Error e = *this;
  e.details_ = details;
  return e;
}

std::string Error::describe(const OptionSpelling& spelling) const {
  if (key_.empty() || !spelling) return what();
  return escape_control(context_ + spelling(key_) + detail_);
}

void fail(ExitCode code, const std::string& message) { throw Error(code, message); }
void fail_usage(const std::string& message) { throw Error(ExitCode::usage, message); }
void fail_option(const std::string& key, const std::string& detail) {
  throw Error(ExitCode::usage, "", key, detail);
}
void fail_input(const std::string& subject, const std::string& problem) {
  throw Error(ExitCode::input, subject + ": " + problem);
}
void fail_model(const std::string& subject, const std::string& problem) {
  throw Error(ExitCode::model, subject + ": " + problem);
}

}  // namespace attnviz
