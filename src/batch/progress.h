#pragma once
// A one-line progress bar on stderr: count, failures, rate and ETA. Only for terminals:
// redirected stderr (logs, CI) never gets carriage returns or escape codes.
#include <chrono>
#include <cstddef>
#include <string>

namespace attnviz::batch {

class ProgressBar {
 public:
  // Draws nothing unless `enabled` (the caller decides: stderr is a terminal, not -q).
  ProgressBar(size_t total, bool enabled);
  ~ProgressBar();  // ends the line

  void update(size_t done, size_t failed);  // and redraws
  void redraw();                            // e.g. to move the ETA on while nothing finishes
  void clear();                             // before another line goes to stderr

  // The line itself, for a given state; `seconds` since the start.
  static std::string render(size_t done, size_t failed, size_t total, double seconds);

 private:
  bool enabled_;
  size_t total_;
  size_t done_ = 0, failed_ = 0;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_;
};

// Whether stderr is a terminal.
bool stderr_is_terminal();

}  // namespace attnviz::batch
