#pragma once
// Placing the files of `attnviz merge`: each task's file appears in the merged directory
// under its own name, whole (written under a temporary dot-name, then renamed), as a hard
// link when the file system allows it (outputs are replaced by renames, never rewritten
// in place, so sharing an inode is safe) and as a copy otherwise.
#include <string>
#include <vector>

#include "batch_merge.h"

namespace attnviz::batch {

bool is_regular_file(const std::string& path);
// Same file (inode) or same bytes; false when either cannot be read.
bool same_contents(const std::string& a, const std::string& b);
// Throws an output Error naming `target` on failure.
void place_file(const std::string& source, const std::string& target, bool copy);

// Every problem that would make the merged directory differ from what one run writes: a
// listed file that is gone, two tasks with different files under one name, a file
// already in the directory with other bytes. One line each; checked before anything is
// written. `files` is sorted by target (plan_merge).
std::vector<std::string> placement_problems(const std::vector<FilePlacement>& files);

}  // namespace attnviz::batch
