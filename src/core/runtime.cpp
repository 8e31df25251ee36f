#include "attnviz/runtime.h"

#include <malloc.h>

#include <cstdlib>

namespace attnviz {

void configure_process() {
  // Idle worker threads that spin instead of sleeping take the core the main thread needs
  // on a machine whose other cores are busy: libtorch's intra-op threads are libgomp's,
  // which spin after every parallel region, and OpenBLAS's workers yield-spin after every
  // threaded matmul (bench/README.md, "What was optimised"). Both read these once, when
  // loaded.
  setenv("OMP_WAIT_POLICY", "PASSIVE", /*overwrite=*/0);
  setenv("OPENBLAS_THREAD_TIMEOUT", "4", 0);  // OpenBLAS's minimum
#ifdef __GLIBC__
  // Activations of a few MB come from glibc's heap, whose top is given back to the system
  // whenever more than twice the largest such block is free, and faulted in again by the
  // next layer; captured maps kept to the end of a call change where that top is
  // (bench/README.md, "What was optimised"). Padding at the top keeps it.
  mallopt(M_TOP_PAD, 64 << 20);
#endif
}

}  // namespace attnviz
