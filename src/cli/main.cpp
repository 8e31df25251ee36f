// attnviz: where a vision-language model looks. See README.md and docs/cli.md.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "attnviz/error.h"
#include "attnviz/interrupt.h"
#include "attnviz/runtime.h"
#include "commands.h"

namespace attnviz::cli {

std::string option_flag(const std::string& key) { return "--" + key; }

}  // namespace attnviz::cli

namespace {

void set_up_logging() {
  auto logger = spdlog::stderr_color_mt("attnviz");
  logger->set_pattern("attnviz: %^%l%$: %v");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::warn);
}

spdlog::level::level_enum log_level(bool quiet, int verbose) {
  return quiet ? spdlog::level::err
         : verbose >= 2 ? spdlog::level::debug
         : verbose == 1 ? spdlog::level::info
                        : spdlog::level::warn;
}

// Bad arguments as one line in attnviz's own form; help and version as CLI11 prints them.
int parse_failure(const CLI::App& app, const CLI::ParseError& e) {
  if (e.get_exit_code() == 0) return app.exit(e);
  std::string message = e.what();
  for (auto& c : message)
    if (c == '\n') c = ' ';
  spdlog::error("{}", attnviz::Error(attnviz::ExitCode::usage, message).what());
  return static_cast<int>(attnviz::ExitCode::usage);
}

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define ATTNVIZ_SANITIZED 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define ATTNVIZ_SANITIZED 1
#endif

// Every output is written, renamed and flushed by now. Tearing the process down normally
// then runs libtorch's, OpenMP's and OpenBLAS's exit handlers: 0.1-0.2 s, a fifth of a
// one-image run (bench/README.md), and nothing of attnviz's waits on them. Sanitizer
// builds exit normally, so that the leak check still runs.
[[noreturn]] void exit_now(int code) {
  std::cout.flush();
  std::cerr.flush();
  spdlog::shutdown();
  std::fflush(nullptr);
#ifdef ATTNVIZ_SANITIZED
  std::exit(code);
#else
  std::_Exit(code);
#endif
}

using Commands = std::vector<std::pair<std::string, attnviz::cli::Action>>;

// The chosen command's exit code; its errors become one line on stderr.
int dispatch(const CLI::App& app, const Commands& commands) {
  try {
    for (const auto& [name, action] : commands)
      if (app.got_subcommand(name)) return action();
  } catch (const attnviz::Error& e) {
    if (!e.details().empty()) spdlog::debug("{}", e.details());
    spdlog::error("{}", e.describe(attnviz::cli::option_flag));
    return static_cast<int>(e.code());
  } catch (const std::exception& e) {
    spdlog::error("internal error: {}", e.what());
    return static_cast<int>(attnviz::ExitCode::internal);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  attnviz::configure_process();
  set_up_logging();

  CLI::App app{"attnviz: capture and draw the attention of TorchScript (vision-language) models"};
  app.require_subcommand(1);
  app.fallthrough();  // -v and -q after the subcommand too
  app.set_version_flag("--version", "attnviz 0.1.0");
  bool quiet = false;
  int verbose = 0;
  app.add_flag("-q,--quiet", quiet, "Only errors on stderr");
  app.add_flag("-v,--verbose", verbose, "More detail on stderr (-vv for debug)");
  const Commands commands = {{"run", attnviz::cli::add_run(app)},
                             {"inspect", attnviz::cli::add_inspect(app)},
                             {"diff", attnviz::cli::add_diff(app)},
                             {"merge", attnviz::cli::add_merge(app)},
                             {"tokenize", attnviz::cli::add_tokenize(app)}};

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return parse_failure(app, e);
  }
  spdlog::set_level(log_level(quiet, verbose));
  attnviz::install_interrupt_handlers();
  // A reader that goes away (`attnviz run ... --ndjson | head`) becomes a write error the
  // run reports and stops on cleanly, instead of a kill in the middle of an item.
  std::signal(SIGPIPE, SIG_IGN);
  exit_now(dispatch(app, commands));
}
