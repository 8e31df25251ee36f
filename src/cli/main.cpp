// attnviz: where a vision-language model looks. See README.md and docs/cli.md.
#include <csignal>
#include <cstdio>

#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "attnviz/error.h"
#include "attnviz/interrupt.h"
#include "commands.h"

int main(int argc, char** argv) {
  auto logger = spdlog::stderr_color_mt("attnviz");
  logger->set_pattern("attnviz: %^%l%$: %v");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::warn);

  CLI::App app{"attnviz: capture and draw the attention of TorchScript (vision-language) models"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "attnviz 0.1.0");
  bool quiet = false;
  int verbose = 0;
  app.add_flag("-q,--quiet", quiet, "Only errors on stderr");
  app.add_flag("-v,--verbose", verbose, "More detail on stderr (-vv for debug)");
  auto run = attnviz::cli::add_run(app);
  auto inspect = attnviz::cli::add_inspect(app);
  auto diff = attnviz::cli::add_diff(app);
  auto tokenize = attnviz::cli::add_tokenize(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : static_cast<int>(attnviz::ExitCode::usage);
  }
  spdlog::set_level(quiet ? spdlog::level::err
                          : verbose >= 2 ? spdlog::level::debug
                          : verbose == 1 ? spdlog::level::info
                                         : spdlog::level::warn);
  attnviz::install_interrupt_handlers();
  // A reader that goes away (`attnviz run ... --ndjson | head`) becomes a write error the
  // run reports and stops on cleanly, instead of a kill in the middle of an item.
  std::signal(SIGPIPE, SIG_IGN);
  try {
    if (app.got_subcommand("run")) return run();
    if (app.got_subcommand("inspect")) return inspect();
    if (app.got_subcommand("diff")) return diff();
    if (app.got_subcommand("tokenize")) return tokenize();
  } catch (const attnviz::Error& e) {
    spdlog::error("{}", e.what());
    return static_cast<int>(e.code());
  } catch (const std::exception& e) {
    spdlog::error("internal error: {}", e.what());
    return 70;
  }
  return 0;
}
