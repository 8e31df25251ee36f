// make_html_report RESULT.json OUT.html [--image PATH] [--colormap NAME] [--alpha A] [--log]
// The HTML report of an attnviz result JSON (written with --view grid), until the
// report is a sink of attnviz itself.
#include <cstdlib>
#include <iostream>
#include <string>

#include "attnviz/atomic_file.h"
#include "attnviz/error.h"
#include "attnviz/html_report.h"
#include "result_to_report.h"

int main(int argc, char** argv) {
  using namespace attnviz;
  std::string in, out, image, colormap = "viridis";
  double alpha = 0.5;
  bool log_scale = false, extra = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--image" && has_value) image = argv[++i];
    else if (arg == "--colormap" && has_value) colormap = argv[++i];
    else if (arg == "--alpha" && has_value) alpha = std::atof(argv[++i]);
    else if (arg == "--log") log_scale = true;
    else if (in.empty()) in = arg;
    else if (out.empty()) out = arg;
    else extra = true;
  }
  if (in.empty() || out.empty() || extra) {
    std::cerr << "usage: make_html_report RESULT.json OUT.html [--image PATH] [--colormap NAME] [--alpha A] [--log]\n";
    return static_cast<int>(ExitCode::usage);
  }
  try {
    HtmlReport report = test::report_from_result(in, image);
    report.colormap = colormap;
    report.alpha = alpha;
    report.log_scale = log_scale;
    write_file_atomic(out, render_html_report(report));
  } catch (const Error& e) {
    std::cerr << "make_html_report: " << e.what() << "\n";
    return static_cast<int>(e.code());
  }
  return 0;
}
