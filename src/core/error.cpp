#include "attnviz/error.h"

namespace attnviz {
namespace {

// Messages quote what users and files supply (specs, paths, words, JSON); a newline or
// terminal escape in those must not break the one-line error, so control bytes are
// written as escapes. UTF-8 passes through.
std::string one_line(const std::string& message) {
  static const char* hex = "0123456789abcdef";
  std::string out;
  out.reserve(message.size());
  for (char c : message) {
    const auto u = static_cast<unsigned char>(c);
    if (u == '\n') out += "\\n";
    else if (u == '\r') out += "\\r";
    else if (u == '\t') out += "\\t";
    else if (u < 0x20 || u == 0x7f) out += std::string("\\x") + hex[u >> 4] + hex[u & 15];
    else out += c;
  }
  return out;
}

}  // namespace

Error::Error(ExitCode code, const std::string& message)
    : std::runtime_error(one_line(message)), code_(code) {}

void fail(ExitCode code, const std::string& message) { throw Error(code, message); }
void fail_usage(const std::string& message) { throw Error(ExitCode::usage, message); }
void fail_input(const std::string& subject, const std::string& problem) {
  throw Error(ExitCode::input, subject + ": " + problem);
}
void fail_model(const std::string& subject, const std::string& problem) {
  throw Error(ExitCode::model, subject + ": " + problem);
}

}  // namespace attnviz
