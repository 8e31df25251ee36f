#pragma once
// Placing the files of `attnviz merge`: each task's file appears in the merged directory
// under its own name, whole (written under a temporary dot-name, then renamed), as a hard
// link when the file system allows it (outputs are replaced by renames, never rewritten
// in place, so sharing an inode is safe) and as a copy otherwise.
#include <string>

namespace attnviz::cli {

bool is_regular_file(const std::string& path);
// Same file (inode) or same bytes; false when either cannot be read.
bool same_contents(const std::string& a, const std::string& b);
// Throws an output Error naming `target` on failure.
void place_file(const std::string& source, const std::string& target, bool copy);

}  // namespace attnviz::cli
