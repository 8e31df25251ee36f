#pragma once
// Outputs are written to a temporary name beside the target and renamed into place, so
// a reader (or an interrupted run) never sees a partial file.
#include <string>

namespace attnviz {

// Throws an output Error naming `path` on any failure; the temporary is removed.
void write_file_atomic(const std::string& path, const std::string& bytes);

std::string read_file(const std::string& path);  // throws an input Error naming the path

// `dir`/`name` as attnviz prints output paths: `name` alone when `dir` is "" or ".".
std::string join_path(const std::string& dir, const std::string& name);

// Creates the directory (and parents); throws an output Error naming it when it cannot,
// or when it is not writable.
void ensure_directory(const std::string& dir);

// Removes temporaries still being written (for signal handlers); async-signal-safe.
void remove_pending_temporaries();

}  // namespace attnviz
