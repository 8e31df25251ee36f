#include "attnviz/parallelism.h"

#include <algorithm>

namespace attnviz {

Parallelism choose_parallelism(int cores, long long images, int jobs, int threads) {
  cores = std::max(1, cores);
  Parallelism p;
  if (jobs > 0) {
    p.jobs = jobs;
  } else {
    const int per_job = threads > 0 ? threads : 1;
    const long long fit = std::max(1, cores / per_job);
    p.jobs = static_cast<int>(std::max(1LL, std::min(fit, images)));
  }
  p.threads = threads > 0 ? threads : std::max(1, cores / p.jobs);
  return p;
}

}  // namespace attnviz
