#pragma once
// How a run splits the machine's cores between images in parallel (jobs) and intra-op
// threads inside one forward pass.

namespace attnviz {

struct Parallelism {
  int jobs = 1;
  int threads = 1;
};

// `jobs` and `threads` as asked (0: choose). One image gets every core as intra-op
// threads; a batch gets one job per core with one thread each, since the small matrices
// of one forward keep a second thread idle most of the time (bench/README.md: --jobs 2
// --threads 1 is the fastest split of 2 cores), and intra-op threads fighting for cores
// with other jobs wait at barriers. A value that is chosen fills the cores the given one
// leaves (at least 1); given values are kept as they are.
Parallelism choose_parallelism(int cores, long long images, int jobs, int threads);

}  // namespace attnviz
