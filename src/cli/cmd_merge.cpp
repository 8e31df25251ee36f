// attnviz merge --out DIR TASK.ndjson... : the results of the tasks of a sharded run
// joined into what one run over the whole list writes (docs/batch.md, "merge").
#include <fstream>
#include <iostream>
#include <memory>
#include <set>

#include <spdlog/spdlog.h>

#include "attnviz/atomic_file.h"
#include "attnviz/error.h"
#include "../batch/batch_inputs.h"
#include "../batch/batch_merge.h"
#include "../batch/batch_records.h"
#include "commands.h"
#include "../batch/merge_files.h"

namespace attnviz::cli {
namespace {

using namespace batch;

struct MergeArgs {
  std::vector<std::string> record_files;
  std::string out;
  std::string inputs;
  size_t shards = 0;
  bool copy = false;
};

std::vector<std::string> read_input_list(const std::string& path) {
  std::ifstream in(path);
  if (!in) fail(ExitCode::usage, "--inputs " + path + ": cannot read");
  return expand_stdin_inputs({"-"}, in);
}

int merge_command(const MergeArgs& args) {
  if (args.record_files.empty() && args.inputs.empty())
    fail_usage("merge: no records to merge (give the tasks' NDJSON files, or --inputs to list what is missing)");
  std::set<std::string> seen;
  for (const auto& f : args.record_files)
    if (!seen.insert(f).second) fail_usage("merge: " + f + " is given twice");

  MergeOptions options;
  options.out_dir = args.out;
  options.shards = args.shards;
  if (!args.inputs.empty()) {
    options.inputs = read_input_list(args.inputs);
    options.inputs_source = args.inputs;
  }
  std::vector<RecordFile> files;
  for (const auto& path : args.record_files) files.push_back(read_record_file(path));
  const MergePlan plan = plan_merge(files, options);

  const auto problems = placement_problems(plan.files);
  for (const auto& p : problems) spdlog::error("{}", p);
  if (!problems.empty())
    fail(ExitCode::input, "merge: " + std::to_string(problems.size()) +
                              (problems.size() == 1 ? " file problem" : " file problems") + ": nothing merged into " +
                              args.out);

  ensure_directory(args.out);
  for (size_t i = 0; i < plan.files.size(); ++i) {
    const FilePlacement& f = plan.files[i];
    const bool first_for_target = i == 0 || plan.files[i - 1].target != f.target;
    if (first_for_target && !(is_regular_file(f.target) && same_contents(f.target, f.source)))
      place_file(f.source, f.target, args.copy);
  }
  for (const auto& record : plan.records) std::cout << record_line(record) << '\n';
  std::cout.flush();
  if (!std::cout) fail(ExitCode::output, "stdout: cannot write the merged records");

  if (spdlog::should_log(spdlog::level::warn) || plan.summary.exit_code != 0)
    for (const auto& line : summary_lines(plan.summary, args.shards)) std::cerr << "merge: " << line << '\n';
  return plan.summary.exit_code;
}

}  // namespace

Action add_merge(CLI::App& app) {
  auto args = std::make_shared<MergeArgs>();
  auto* cmd = app.add_subcommand(
      "merge",
      "Join the NDJSON records and output directories of the tasks of a sharded run (run --shard I/N --ndjson) into "
      "what one run over the whole list writes");
  cmd->add_option("records", args->record_files,
                  "The tasks' NDJSON files (a later record for an input replaces an earlier one; none: every "
                  "input of --inputs is missing)");
  cmd->add_option("--out", args->out, "The merged output directory, spelled as a single run's --out would be")
      ->required();
  cmd->add_option("--inputs", args->inputs,
                  "The whole input list the tasks read, one path per line: checks the records and finds inputs "
                  "with no record");
  cmd->add_option("--shards", args->shards, "N of --shard I/N: says which tasks the missing inputs belong to")
      ->check(CLI::Range(1, 1000000));
  cmd->add_flag("--copy", args->copy, "Copy the files (default: hard links where the file system allows)");
  return [args] { return merge_command(*args); };
}

}  // namespace attnviz::cli
