#pragma once
// A broken promise of the code under test is a finding: abort, so that libFuzzer keeps
// the input that broke it.
#include <cstdlib>

namespace attnviz::fuzz {

inline void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace attnviz::fuzz
