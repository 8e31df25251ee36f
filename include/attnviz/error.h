#pragma once
// Errors that reach the user: one line, naming the input and the problem, plus the
// process exit code that the CLI documents (docs/cli.md).
//
// The library does not know the front end's option names. An error about a value the
// caller chose (a layer selection, a head index, a query) carries the option's key
// ("layers", "heads") and reads "layers '99': ..."; a front end shows it with its own
// spelling of the option (the CLI: "--layers '99': ...") through describe().
#include <functional>
#include <stdexcept>
#include <string>

namespace attnviz {

enum class ExitCode : int {
  ok = 0,
  input = 1,   // an image or other per-item input was bad
  usage = 2,   // command-line arguments were bad (also a --prompt word not in the vocabulary)
  model = 3,   // the model file could not be loaded or run
  output = 4,  // an output could not be written
  internal = 70,      // a bug in attnviz (EX_SOFTWARE)
  interrupted = 130,  // SIGINT/SIGTERM (128 + SIGINT)
};

// How a front end spells an option key ("layers" -> "--layers").
using OptionSpelling = std::function<std::string(const std::string& key)>;

class Error : public std::runtime_error {
 public:
  Error(ExitCode code, const std::string& message);
  // About the value of option `key`: the text is "<key><detail>" (detail starts with its
  // own separator: " '99': ...", ": ...").
  Error(ExitCode code, const std::string& context, const std::string& key, const std::string& detail);

  ExitCode code() const { return code_; }
  const std::string& option() const { return key_; }  // "" when not about an option

  // The same error with "<prefix>: " in front (e.g. the image it happened on).
  Error in_context(const std::string& prefix) const;

  // The message with the option spelled by the front end.
  std::string describe(const OptionSpelling& spelling) const;

  // Several lines of background (e.g. a model's traceback), for a verbose log; the
  // message stays one line.
  Error with_details(const std::string& details) const;
  const std::string& details() const { return details_; }

 private:
  ExitCode code_;
  std::string context_;  // "a.png: " prefixes, for option errors
  std::string key_;
  std::string detail_;
  std::string details_;
};

[[noreturn]] void fail(ExitCode code, const std::string& message);
[[noreturn]] void fail_usage(const std::string& message);
// A usage error about option `key`'s value: "<key><detail>".
[[noreturn]] void fail_option(const std::string& key, const std::string& detail);
[[noreturn]] void fail_input(const std::string& subject, const std::string& problem);
[[noreturn]] void fail_model(const std::string& subject, const std::string& problem);

}  // namespace attnviz
