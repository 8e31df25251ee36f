#pragma once
// SIGINT / SIGTERM: the first one asks the run to stop at the next safe point (between
// files, between generation steps) and removes temporaries being written; a second one
// exits at once. Either way only complete output files remain.
namespace attnviz {

void install_interrupt_handlers();
bool interrupted();
int interrupt_signal();  // the signal received, 0 if none

// Throws Error(ExitCode::interrupted-style) when a stop was asked for.
void throw_if_interrupted();

}  // namespace attnviz
