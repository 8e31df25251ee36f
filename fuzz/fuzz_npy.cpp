// .npy files, as `attnviz diff` reads snapshots. A bad file must be an input Error naming
// the source; anything else escaping, or an array that disagrees with its shape, is a
// finding.
#include <cstdint>
#include <string>

#include "attnviz/error.h"
#include "attnviz/npy.h"
#include "fuzz_check.h"

using namespace attnviz;
using attnviz::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  try {
    const NpyArray a = decode_npy(bytes, "fuzz.npy");
    const size_t n = a.f32.size() + a.i64.size();
    check(a.size() >= 0 && static_cast<size_t>(a.size()) == n);
  } catch (const Error& e) {
    const std::string message = e.what();
    check(e.code() == ExitCode::input && message.rfind("fuzz.npy: ", 0) == 0 && message.find('\n') == std::string::npos);
  }
  return 0;
}
