#pragma once
// Process-wide tuning. The library never does this behind the caller's back: an
// executable calls these itself (the attnviz CLI does, in main and in `run`).

namespace attnviz {

// Call first thing in main, before any model backend is loaded: idle compute threads
// sleep instead of spinning (OMP_WAIT_POLICY=PASSIVE, OPENBLAS_THREAD_TIMEOUT=4, each
// only when the environment does not set it), and glibc keeps heap padding so that
// captured maps do not make every layer fault its activations in again
// (bench/README.md, "optimisations"). The environment part only takes effect for
// libraries loaded afterwards.
void configure_process();

// Intra-op threads of every capture backend's compute library (libtorch's pool and
// OpenBLAS's own), process-wide; threads >= 1.
void set_compute_threads(int threads);

}  // namespace attnviz
