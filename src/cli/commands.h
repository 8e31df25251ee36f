#pragma once
// The subcommands. Each registers its options and returns the action to run after
// parsing; the action returns the process exit code.
#include <functional>

#include <CLI/CLI.hpp>

#include "attnviz/error.h"

namespace attnviz::cli {

using Action = std::function<int()>;

Action add_run(CLI::App& app);
Action add_inspect(CLI::App& app);
Action add_diff(CLI::App& app);
Action add_merge(CLI::App& app);
Action add_tokenize(CLI::App& app);

// How the CLI spells the library's option keys in messages: "layers" -> "--layers".
std::string option_flag(const std::string& key);

}  // namespace attnviz::cli
