#include "attnviz/model_failures.h"

#include <algorithm>
#include <regex>

#include "attnviz/strings.h"

namespace attnviz {
namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  for (auto& l : split(text, '\n'))
    if (!trim(l).empty()) lines.push_back(trim(l));
  return lines;
}

// The hint's words before and after the option it names ("" when it names none).
struct Hint {
  std::string before, option, after;
  bool empty() const { return before.empty(); }
};

Hint size_hint(const std::string& cause, const FedInputs& fed) {
  // torchvision's ViT: "Wrong image height! Expected 224 but got 477!"; positional
  // embeddings of a fixed grid: "The size of tensor a (197) must match ... (325)".
  static const std::regex expected(R"(Expected (\d+) but got (\d+))");
  std::smatch m;
  if (std::regex_search(cause, m, expected) && fed.image_h > 0) {
    const std::string n = m[1];
    if (cause.find("height") != std::string::npos || cause.find("width") != std::string::npos ||
        m[2] == std::to_string(fed.image_h) || m[2] == std::to_string(fed.image_w))
      return {"the model expects " + n + "x" + n + " images (it was fed " + std::to_string(fed.image_h) + "x" +
                  std::to_string(fed.image_w) + "): try ",
              "size", " " + n + "x" + n};
  }
  return {};
}

Hint kernel_hint(const std::string& cause, const FedInputs& fed) {
  if (cause.find("Kernel size can't be greater than actual input size") == std::string::npos &&
      cause.find("Output size is too small") == std::string::npos)
    return {};
  return {"the image is too small for the model's first layers (it was fed " + std::to_string(fed.image_h) + "x" +
              std::to_string(fed.image_w) + " pixels): give the model's input size with ",
          "size", " HxW"};
}

Hint vocabulary_hint(const std::string& cause, const FedInputs& fed) {
  if (cause.find("index out of range in self") == std::string::npos || fed.input_ids.empty()) return {};
  const int64_t largest = *std::max_element(fed.input_ids.begin(), fed.input_ids.end());
  return {"a token id is outside the model's vocabulary (the largest fed is " + std::to_string(largest) +
              "): check ",
          "input-ids", ", or the tokenizer"};
}

}  // namespace

std::string failure_cause(const std::string& message) {
  const auto lines = lines_of(message);
  if (lines.empty()) return "unknown error";
  // A TorchScript traceback ends with the exception: "RuntimeError: CAUSE" (or a
  // Python-style "builtins.ValueError: CAUSE").
  for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
    static const std::regex exception(R"(^(?:[\w.]+\.)?\w*(?:Error|Exception): (.+)$)");
    std::smatch m;
    if (std::regex_match(*it, m, exception)) return m[1];
  }
  const bool traceback = message.find("Traceback of TorchScript") != std::string::npos;
  return traceback ? lines.back() : lines.front();
}

Error model_failure(const std::string& subject, const std::string& message, const FedInputs& fed) {
  const std::string cause = failure_cause(message);
  Hint hint = size_hint(cause, fed);
  if (hint.empty()) hint = kernel_hint(cause, fed);
  if (hint.empty()) hint = vocabulary_hint(cause, fed);
  const std::string said = subject + ": forward() failed: " + cause;
  Error e = hint.empty() ? Error(ExitCode::model, said)
                         : Error(ExitCode::model, said + "; " + hint.before, hint.option, hint.after);
  return e.with_details(message);
}

}  // namespace attnviz
