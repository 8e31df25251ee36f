// attnviz diff EXPECTED ACTUAL : result files (or directories of them) against snapshots.
#include <cmath>
#include <iostream>
#include <memory>

#include <spdlog/spdlog.h>

#include "attnviz/error.h"
#include "attnviz/image_compare.h"
#include "attnviz/snapshot_diff.h"
#include "commands.h"

namespace attnviz::cli {
namespace {

struct DiffArgs {
  std::string expected;
  std::string actual;
  double atol = Tolerance{}.atol;
  double rtol = Tolerance{}.rtol;
  int png_tolerance = -1;  // -1: PNGs are only checked for presence
  std::vector<std::string> ignore;
  bool json = false;
};

// PNGs by what they show: a pixel drifts when a channel moved by more than `tolerance`.
FileComparer png_comparer(int tolerance) {
  return [tolerance](const std::string& expected, const std::string& actual) -> std::optional<Drift> {
    const ImageComparison c = compare_images(expected, actual, tolerance);
    if (c.problem.empty() && c.pixels_over == 0) return std::nullopt;
    Drift d;
    if (!c.problem.empty()) {
      d.problem = c.problem;
      return d;
    }
    d.count = static_cast<size_t>(c.pixels_over);
    d.compared = static_cast<size_t>(c.pixels);
    d.max_abs_error = c.max_difference;
    d.at = "x " + std::to_string(c.worst_x) + ", y " + std::to_string(c.worst_y);
    d.problem = std::to_string(c.pixels_over) + " of " + std::to_string(c.pixels) +
                " pixels differ by more than " + std::to_string(tolerance) + "; max difference " +
                std::to_string(c.max_difference) + " at " + d.at;
    return d;
  };
}

int diff_command(const DiffArgs& args) {
  if (!(args.atol >= 0) || !std::isfinite(args.atol)) fail_usage("--atol: must be a number >= 0");
  if (!(args.rtol >= 0) || !std::isfinite(args.rtol)) fail_usage("--rtol: must be a number >= 0");
  DiffOptions options;
  options.tolerance = {args.atol, args.rtol};
  options.ignored_fields.insert(options.ignored_fields.end(), args.ignore.begin(), args.ignore.end());
  if (args.png_tolerance >= 0) options.comparers[".png"] = png_comparer(args.png_tolerance);

  const DiffReport report = diff_paths(args.expected, args.actual, options);
  if (args.json) {
    std::cout << report.to_json(options).dump(1) << "\n";
  } else {
    for (const auto& d : report.drifts) std::cout << d.str() << "\n";
    char tol[96];
    std::snprintf(tol, sizeof tol, "atol %g, rtol %g%s", args.atol, args.rtol,
                  args.png_tolerance >= 0 ? (", png " + std::to_string(args.png_tolerance)).c_str() : "");
    if (report.ok())
      std::cout << "ok: " << report.files.size() << " files within tolerance (" << tol << "; "
                << report.numbers_compared << " numbers compared)\n";
    else
      std::cout << "drift: " << report.drifts.size() << " differences in " << report.files.size() << " files ("
                << tol << ")\n";
  }
  std::cout.flush();
  return report.ok() ? 0 : 1;
}

}  // namespace

Action add_diff(CLI::App& app) {
  auto args = std::make_shared<DiffArgs>();
  auto* cmd = app.add_subcommand(
      "diff", "Compare result JSON (or directories of results) with snapshots: exit 0 within tolerance, 1 on drift");
  cmd->add_option("expected", args->expected, "Snapshot file or directory (the reference)")->required();
  cmd->add_option("actual", args->actual, "File or directory to check against it")->required();
  cmd->add_option("--atol", args->atol, "Absolute tolerance: |actual - expected| <= atol + rtol * |expected|")
      ->capture_default_str();
  cmd->add_option("--rtol", args->rtol, "Relative tolerance (numpy.isclose)")->capture_default_str();
  cmd->add_option("--png-tolerance", args->png_tolerance,
                  "Also compare PNG pixels: a pixel drifts when a channel differs by more than N (0-255); default: "
                  "PNGs are only checked for presence")
      ->check(CLI::Range(0, 65535));
  cmd->add_option("--ignore", args->ignore,
                  "Another field not to compare, e.g. input.prompt or layers[*].npy (repeatable; model.path and "
                  "image.path are always ignored)");
  cmd->add_flag("--json", args->json, "Print the report as JSON");
  return [args] { return diff_command(*args); };
}

}  // namespace attnviz::cli
