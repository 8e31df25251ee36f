#pragma once
// SIGINT / SIGTERM: the first one asks the run to stop at the next safe point (between
// files, between generation steps) and removes temporaries being written; a second one
// exits at once. Either way only complete output files remain.
#include <string>

namespace attnviz {

void install_interrupt_handlers();
bool interrupted();
int interrupt_signal();  // the signal received, 0 if none

// Throws Error(ExitCode::interrupted-style) when a stop was asked for.
void throw_if_interrupted();

// A directory of work in progress (a staging area: DIR/ITEM/FILE) that the second signal
// removes before it exits; "" for none. Only the first stop waits for complete files,
// so the one that does not wait must not leave the half-done ones behind.
void set_interrupt_cleanup_dir(const std::string& dir);

}  // namespace attnviz
