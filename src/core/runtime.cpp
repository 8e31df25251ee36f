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
  // Blocks above 32 MiB (glibc's dynamic threshold tops out there) are mapped fresh and
  // unmapped on free, so every activation of a large model was faulted in again, layer
  // after layer: a quarter of a 150M model's forward was the kernel zeroing pages. Up to
  // 256 MiB they come from the heap and are reused (bench/README.md, "What was
  // optimised"); larger ones (a 4096-token attention matrix) are still given back.
  mallopt(M_MMAP_THRESHOLD, 256 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
#endif
}

}  // namespace attnviz
