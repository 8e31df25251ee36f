#include "attnviz/interrupt.h"

#include <csignal>
#include <unistd.h>

#include <atomic>

#include "attnviz/atomic_file.h"
#include "attnviz/error.h"

namespace attnviz {
namespace {

std::atomic<int> g_signal{0};

extern "C" void on_signal(int sig) {
  remove_pending_temporaries();
  if (g_signal.exchange(sig) != 0) _exit(128 + sig);  // second signal: leave now
}

}  // namespace

void install_interrupt_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

bool interrupted() { return g_signal.load() != 0; }
int interrupt_signal() { return g_signal.load(); }

void throw_if_interrupted() {
  if (interrupted()) fail(ExitCode::interrupted, "interrupted by signal " + std::to_string(interrupt_signal()));
}

}  // namespace attnviz
