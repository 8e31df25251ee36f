#pragma once
// A model's own error, as its framework words it (a TorchScript traceback, a Python
// exception), made into one line a user can act on: the cause, and a hint where the
// cause is one attnviz knows (a fixed input size, a token id past the vocabulary, an
// image smaller than the stem's kernel). Used by every capture backend.
#include <cstdint>
#include <string>
#include <vector>

#include "attnviz/error.h"

namespace attnviz {

// What was fed, for the hints.
struct FedInputs {
  int image_h = 0, image_w = 0;  // 0: no image
  std::vector<int64_t> input_ids;
};

// The last line that says what went wrong ("RuntimeError: ..." without the prefix), from
// a message that may hold a whole traceback.
std::string failure_cause(const std::string& message);

// A model Error naming `subject`: "forward() failed: CAUSE" and, when one applies,
// "; HINT" (a hint may name an option, e.g. "size"). The whole message is kept as the
// error's details (the CLI shows them with -vv).
Error model_failure(const std::string& subject, const std::string& message, const FedInputs& fed);

}  // namespace attnviz
