#include <gtest/gtest.h>

#include "attnviz/parallelism.h"

namespace attnviz {
namespace {

struct SplitCase {
  const char* why;
  int cores;
  long long images;
  int jobs, threads;             // as asked (0: choose)
  int want_jobs, want_threads;
};

TEST(Parallelism, SplitsTheCoresBetweenJobsAndThreads) {
  const SplitCase cases[] = {
      {"one image: every core as intra-op threads", 2, 1, 0, 0, 1, 2},
      {"empty stdin list", 8, 0, 0, 0, 1, 8},
      {"a batch: one single-threaded job per core", 2, 100, 0, 0, 2, 1},
      {"fewer images than cores: the rest become threads", 8, 3, 0, 0, 3, 2},
      {"given jobs: the cores left per job as threads", 8, 100, 2, 0, 2, 4},
      {"given threads: as many jobs as fit", 8, 100, 0, 4, 2, 4},
      {"both given: as asked, even beyond the cores", 2, 100, 4, 3, 4, 3},
      {"more threads than cores: still one job", 2, 100, 0, 5, 1, 5},
      {"unknown core count counts as one", 0, 10, 0, 0, 1, 1},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.why);
    const Parallelism p = choose_parallelism(c.cores, c.images, c.jobs, c.threads);
    EXPECT_EQ(p.jobs, c.want_jobs);
    EXPECT_EQ(p.threads, c.want_threads);
  }
}

}  // namespace
}  // namespace attnviz
