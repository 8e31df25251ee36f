#include "progress.h"

#include <unistd.h>

#include <cstdio>

namespace attnviz::batch {
namespace {

void write_stderr(const std::string& text) {
  // Unbuffered and in one call, so it does not interleave with a log line mid-way.
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(STDERR_FILENO, text.data() + done, text.size() - done);
    if (n <= 0) return;
    done += static_cast<size_t>(n);
  }
}

std::string clock_text(double seconds) {
  long s = static_cast<long>(seconds + 0.5);
  char buf[32];
  if (s >= 3600) std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
  else std::snprintf(buf, sizeof buf, "%ld:%02ld", s / 60, s % 60);
  return buf;
}

}  // namespace

bool stderr_is_terminal() { return ::isatty(STDERR_FILENO) == 1; }

ProgressBar::ProgressBar(size_t total, bool enabled)
    : enabled_(enabled && total > 0), total_(total), start_(std::chrono::steady_clock::now()) {}

ProgressBar::~ProgressBar() {
  if (enabled_ && drawn_) write_stderr("\n");
}

std::string ProgressBar::render(size_t done, size_t failed, size_t total, double seconds) {
  constexpr int kWidth = 24;
  const int filled = total ? static_cast<int>(kWidth * done / total) : kWidth;
  std::string line = "[" + std::string(filled, '#') + std::string(kWidth - filled, '.') + "] ";
  line += std::to_string(done) + "/" + std::to_string(total);
  if (failed) line += "  " + std::to_string(failed) + " failed";
  char rate[48] = "";
  if (done > 0 && seconds > 0) {
    const double per_second = done / seconds;
    if (per_second >= 1) std::snprintf(rate, sizeof rate, "  %.1f img/s", per_second);
    else std::snprintf(rate, sizeof rate, "  %.1f s/img", 1 / per_second);
    line += rate;
    line += "  ETA " + (done < total ? clock_text((total - done) / per_second) : std::string("0:00"));
  } else {
    line += "  ETA --:--";
  }
  line += "  elapsed " + clock_text(seconds);
  return line;
}

void ProgressBar::update(size_t done, size_t failed) {
  done_ = done;
  failed_ = failed;
  redraw();
}

void ProgressBar::redraw() {
  if (!enabled_) return;
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  // \r and erase-to-end-of-line: the bar overwrites itself.
  write_stderr("\r\033[K" + render(done_, failed_, total_, seconds));
  drawn_ = true;
}

void ProgressBar::clear() {
  if (enabled_ && drawn_) write_stderr("\r\033[K");
  drawn_ = false;
}

}  // namespace attnviz::batch
