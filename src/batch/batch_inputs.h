#pragma once
// Which images a batch processes and what their outputs are called: the input list
// (arguments, `-` for stdin), the shard of it this process takes, and output base names.
// Names and shards are functions of the whole list, so that any split of a corpus
// gives the same files as one run over all of it.
#include <cstddef>
#include <istream>
#include <string>
#include <vector>

namespace attnviz::batch {

// The image arguments with `-` replaced by the paths read from `in`, one per line (empty
// lines skipped, a trailing '\r' dropped). `-` may appear once (a usage Error otherwise).
std::vector<std::string> expand_stdin_inputs(const std::vector<std::string>& args, std::istream& in);

// --shard I/N: shard I (1-based) of N takes the inputs at 0-based positions p with
// p % N == I - 1. Disjoint, and together the whole list, whatever the list's order.
struct Shard {
  size_t index = 1;  // 1..count
  size_t count = 1;
  bool contains(size_t position) const { return position % count == index - 1; }
};

// Output base names that never collide: the file stem; for inputs sharing a stem, the
// stem with as many parent folders as it takes to tell them apart ("data/a/x.jpg",
// "data/b/x.jpg" -> "a_x", "b_x"); any clash left gets "-2", "-3", ... in list order.
std::vector<std::string> unique_stems(const std::vector<std::string>& inputs);

}  // namespace attnviz::batch
