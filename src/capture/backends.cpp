#include "attnviz/capture_backend.h"
#include "attnviz/runtime.h"
#include "torchscript/torchscript.h"

namespace attnviz {

const std::vector<CaptureBackendType>& capture_backends() {
  static const std::vector<CaptureBackendType> backends = {
      {"torchscript", &torchscript::recognizes, &torchscript::load, &torchscript::set_threads},
  };
  return backends;
}

void set_compute_threads(int threads) {
  for (const auto& b : capture_backends()) b.set_threads(threads);
}

}  // namespace attnviz
