#pragma once
// Outputs are written to a temporary name beside the target and renamed into place, so
// a reader (or an interrupted run) never sees a partial file.
#include <string>

namespace attnviz {

// Throws an output Error naming `path` on any failure; the temporary is removed.
void write_file_atomic(const std::string& path, const std::string& bytes);

std::string read_file(const std::string& path);  // throws an input Error naming the path

// Removes temporaries still being written (for signal handlers); async-signal-safe.
void remove_pending_temporaries();

}  // namespace attnviz
