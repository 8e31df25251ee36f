// bench_capture: capture cost against the bare forward pass, in one process.
//
//   bench_capture overhead MODEL [--layers SPEC] [--iters N] [--threads T] [--image HxW] [--text N]
//       forward with taps (Model::run) against the model's own forward (Model::forward_only)
//       on the same inputs, interleaved; prints one JSON object.
//   bench_capture mem MODEL --mode bare|taps|rows|pooled [--layers SPEC] [--threads T] [--image HxW] [--text N]
//       one forward (after --warmup N more), then peak RSS (getrusage); run it once per
//       process (the driver does), so each peak is that mode's alone.
//   bench_capture pipeline MODEL IMAGE... [--layers SPEC] [--threads T] [--out DIR] [--rounds R]
//       per-image time of attnviz's pipeline (analyze_image + write_figures, the CLI's
//       defaults: overlay PNG + JSON) against the floor: the forward passes the answer
//       needs, bare (greedy generation, plus one over prompt + answer when it ended
//       without EOS), plus encoding the same overlay PNG. Interleaved per image.
//
//   bench_capture load MODEL [--threads T]
//       Model::load alone: seconds, resident memory after it and its peak (VmHWM).
//
// --image HxW: the model's input size (default: the metadata's preprocess size);
// --text N: N text tokens instead of the metadata's default prompt.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "attnviz/error.h"
#include "attnviz/image.h"
#include "attnviz/model.h"
#include "attnviz/atomic_file.h"
#include "attnviz/figures.h"
#include "attnviz/pipeline.h"
#include "attnviz/render/overlay.h"
#include "attnviz/render/png.h"
#include "attnviz/runtime.h"
#include "attnviz/sinks.h"
#include "attnviz/tokenizer.h"

using namespace attnviz;

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

double time_it(const std::function<void()>& f) {
  auto t0 = Clock::now();
  f();
  return seconds_since(t0);
}

// CPU seconds of the whole process (all threads): on a machine shared with other work,
// wall time also counts the time the threads waited for a core, CPU time does not.
double process_cpu_s() {
  struct rusage ru {};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + 1e-6 * (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

struct Samples {
  std::vector<double> wall, cpu;
  void time(const std::function<void()>& f) {
    const double c0 = process_cpu_s();
    wall.push_back(time_it(f));
    cpu.push_back(process_cpu_s() - c0);
  }
};

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

double sum(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s;
}

long rss_kb(const char* field) {
  // VmRSS (current) or VmHWM (peak) from /proc/self/status.
  FILE* f = std::fopen("/proc/self/status", "r");
  if (!f) return -1;
  char line[256];
  long value = -1;
  const size_t n = std::strlen(field);
  while (std::fgets(line, sizeof line, f))
    if (std::strncmp(line, field, n) == 0 && line[n] == ':') value = std::atol(line + n + 1);
  std::fclose(f);
  return value;
}

struct Args {
  std::string command;
  std::vector<std::string> positional;
  std::string layers = "all";
  std::string mode = "taps";
  std::string out = "bench_out";
  int iters = 30;
  int warmup = -1;  // calls before measuring; default 3 (overhead), 0 (mem)
  int rounds = 1;
  int threads = 1;
  int image_h = 0, image_w = 0;
  int text = 0;
};

[[noreturn]] void usage(const std::string& why) {
  std::cerr << "bench_capture: " << why << "\n"
            << "usage: bench_capture overhead|mem|pipeline|load MODEL [IMAGE...] [--layers SPEC] [--mode bare|taps]\n"
            << "         [--iters N] [--warmup N] [--rounds R] [--threads T] [--image HxW] [--text N] [--out DIR]\n";
  std::exit(2);
}

Args parse(int argc, char** argv) {
  Args a;
  if (argc < 3) usage("missing arguments");
  a.command = argv[1];
  for (int i = 2; i < argc; ++i) {
    std::string s = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(s + " needs a value");
      return argv[++i];
    };
    if (s == "--layers") a.layers = value();
    else if (s == "--mode") a.mode = value();
    else if (s == "--out") a.out = value();
    else if (s == "--iters") a.iters = std::stoi(value());
    else if (s == "--rounds") a.rounds = std::stoi(value());
    else if (s == "--warmup") a.warmup = std::stoi(value());
    else if (s == "--threads") a.threads = std::stoi(value());
    else if (s == "--text") a.text = std::stoi(value());
    else if (s == "--image") {
      std::string v = value();
      if (std::sscanf(v.c_str(), "%dx%d", &a.image_h, &a.image_w) != 2) usage("--image HxW");
    } else if (!s.empty() && s[0] == '-') usage("unknown option " + s);
    else a.positional.push_back(s);
  }
  if (a.positional.empty()) usage("no model");
  if (a.warmup < 0) a.warmup = a.command == "overhead" ? 3 : 0;
  return a;
}

// Model inputs without any image file: random pixels through the model's preprocessing.
ModelInputs synthetic_inputs(const Model& model, const Args& args) {
  const auto& meta = model.metadata();
  Preprocess pp = meta ? meta->preprocess : Preprocess{};
  int h = args.image_h, w = args.image_w;
  if (!h && pp.size) h = (*pp.size)[0], w = (*pp.size)[1];
  if (!h) h = w = 224;
  pp.size = std::array<int, 2>{h, w};
  cv::Mat img(h, w, CV_8UC3);
  cv::RNG rng(1);
  rng.fill(img, cv::RNG::UNIFORM, 0, 255);
  ModelInputs in;
  in.image = preprocess(img, pp);
  for (const auto& input : model.inputs()) {
    if (input.name != "input_ids") continue;
    if (args.text > 0 || !meta || !meta->tokenizer) {
      const int n = args.text > 0 ? args.text : 8;
      for (int i = 0; i < n; ++i) in.input_ids.push_back(4 + i % 8);
    } else {
      in.input_ids = WordTokenizer(*meta->tokenizer).encode(meta->default_prompt);
    }
  }
  return in;
}

// The measured calls, each in a function of its own, so that a callgrind profile of this
// program gives their instruction counts apart from the warm-up calls (bench/run_bench.py
// reads the inclusive costs of these three).
__attribute__((noinline)) void measured_bare(const Model& m, const ModelInputs& in) { m.forward_only(in); }
__attribute__((noinline)) void measured_tapped(const Model& m, const ModelInputs& in, const CaptureRequest& r) {
  m.run(in, r);
}
__attribute__((noinline)) void measured_zero_taps(const Model& m, const ModelInputs& in) { m.run(in, CaptureRequest{}); }

Model load_model(const Args& args) {
  set_compute_threads(args.threads > 0 ? args.threads : 1);
  return Model::load(args.positional[0]);
}

int overhead(const Args& args) {
  Model model = load_model(args);
  const ModelInputs in = synthetic_inputs(model, args);
  CaptureRequest request;
  request.sites = select_sites(model, "", LayerSelection::parse(args.layers));
  CaptureRequest none;
  // Warm-up: the first calls build the tapped graph and the executors' plans.
  for (int i = 0; i < args.warmup; ++i) {
    model.forward_only(in);
    model.run(in, request);
    model.run(in, none);
  }
  Samples bare_s, tapped_s, zero_s;
  for (int i = 0; i < args.iters; ++i) {
    // Alternate the order so that neither side always runs second.
    if (i % 2 == 0) {
      bare_s.time([&] { measured_bare(model, in); });
      tapped_s.time([&] { measured_tapped(model, in, request); });
      zero_s.time([&] { measured_zero_taps(model, in); });
    } else {
      zero_s.time([&] { measured_zero_taps(model, in); });
      tapped_s.time([&] { measured_tapped(model, in, request); });
      bare_s.time([&] { measured_bare(model, in); });
    }
  }
  const auto &bare = bare_s.wall, &tapped = tapped_s.wall, &zero = zero_s.wall;
  std::vector<double> ratios;
  for (size_t i = 0; i < bare.size(); ++i) ratios.push_back(tapped[i] / bare[i]);
  std::printf(
      "{\"command\": \"overhead\", \"model\": \"%s\", \"layers\": \"%s\", \"taps\": %zu, \"iters\": %d, "
      "\"threads\": %d, \"bare_median_s\": %.6g, \"tapped_median_s\": %.6g, \"zero_taps_median_s\": %.6g, "
      "\"ratio_of_medians\": %.4f, \"ratio_of_sums\": %.4f, \"median_of_ratios\": %.4f, "
      "\"bare_cpu_median_s\": %.6g, \"tapped_cpu_median_s\": %.6g, \"cpu_ratio_of_medians\": %.4f}\n",
      args.positional[0].c_str(), args.layers.c_str(), request.sites.size(), args.iters, args.threads,
      median(bare), median(tapped), median(zero), median(tapped) / median(bare), sum(tapped) / sum(bare),
      median(ratios), median(bare_s.cpu), median(tapped_s.cpu), median(tapped_s.cpu) / median(bare_s.cpu));
  return 0;
}

int mem(const Args& args) {
  Model model = load_model(args);
  const ModelInputs in = synthetic_inputs(model, args);
  // taps: whole matrices; rows: the overlay's query row alone (the CLI without a grid);
  // pooled: the grid's matrix pooled to 1024 and the row (the CLI with a grid).
  CaptureRequest request;
  if (args.mode != "bare") request.sites = select_sites(model, "", LayerSelection::parse(args.layers));
  if (args.mode == "rows") {
    request.matrix = false;
    request.last_rows = 1;
  } else if (args.mode == "pooled") {
    request.max_matrix_side = 1024;
    request.last_rows = 1;
  } else if (args.mode != "bare" && args.mode != "taps") {
    usage("--mode bare|taps|rows|pooled");
  }
  const long before = rss_kb("VmRSS");
  double seconds = 0;
  size_t captured = 0;
  for (int i = 0; i < args.warmup + 1; ++i) {
    seconds = time_it([&] {
      if (args.mode == "bare") {
        model.forward_only(in);
      } else {
        auto r = model.run(in, request);
        captured = 0;
        for (const auto& l : r.layers) captured += (l.fused.size() + l.row_values.size()) * sizeof(float);
      }
    });
  }
  struct rusage ru {};
  getrusage(RUSAGE_SELF, &ru);
  std::printf(
      "{\"command\": \"mem\", \"mode\": \"%s\", \"layers\": \"%s\", \"taps\": %zu, \"image\": \"%dx%d\", "
      "\"rss_after_load_kb\": %ld, \"peak_rss_kb\": %ld, \"captured_bytes\": %zu, \"forward_s\": %.4g}\n",
      args.mode.c_str(), args.layers.c_str(), request.sites.size(), in.image.height, in.image.width, before,
      static_cast<long>(ru.ru_maxrss), captured, seconds);
  return 0;
}

int load_only(const Args& args) {
  const long before = rss_kb("VmRSS");
  const auto t0 = Clock::now();
  Model model = load_model(args);
  const double seconds = seconds_since(t0);
  std::printf(
      "{\"command\": \"load\", \"model\": \"%s\", \"load_s\": %.4f, \"rss_before_kb\": %ld, "
      "\"rss_after_load_kb\": %ld, \"peak_rss_kb\": %ld, \"sites\": %zu}\n",
      args.positional[0].c_str(), seconds, before, rss_kb("VmRSS"), rss_kb("VmHWM"), model.sites().size());
  return 0;
}

int pipeline(const Args& args) {
  const auto t_load = Clock::now();
  Model model = load_model(args);
  const double load_s = seconds_since(t_load);
  std::vector<std::string> images(args.positional.begin() + 1, args.positional.end());
  if (images.empty()) usage("pipeline needs images");
  const auto& meta = model.metadata();
  std::unique_ptr<WordTokenizer> tok;
  if (meta && meta->tokenizer) tok = std::make_unique<WordTokenizer>(*meta->tokenizer);

  AnalysisOptions options;  // the CLI's defaults: overlay and JSON, so only the query rows are captured
  options.layers = LayerSelection::parse(args.layers);
  options.full_matrix = false;
  FigureOptions out;
  ensure_directory(args.out);

  std::vector<double> full, floor, full_write, floor_png;  // the write / PNG parts of each
  double first_image_s = 0;
  size_t forwards = 0;
  for (int round = 0; round < args.rounds; ++round) {
    for (size_t i = 0; i < images.size(); ++i) {
      out.stem = "img" + std::to_string(i);
      // attnviz: everything the CLI does per image.
      cv::Mat overlay;
      Analysis a;
      double t_write = 0;
      const double t_full = time_it([&] {
        a = analyze_image(model, images[i], options);
        t_write = time_it([&] { write_figures(single_figures(a, out), {"png", "json"}, args.out); });
      });
      if (round == 0 && i == 0) first_image_s = t_full;
      // The same overlay, rendered outside the timing, for the floor's PNG encoding.
      std::vector<OverlayPanel> panels{{"input", "", nullptr}};
      for (const auto& l : a.layers)
        if (l.map) panels.push_back({"layer " + std::to_string(l.attention.index), "", &*l.map});
      overlay = render_overlay(as_mat(*a.image), panels, out.overlay_style);
      // Floor: the bare forward passes the analysis needed, plus the PNG encoding.
      ModelInputs in;
      in.image = preprocess(as_mat(*a.image), meta ? meta->preprocess : Preprocess{});
      in.input_ids = a.prompt_ids;
      in.budget = a.budget;
      double t_png = 0;
      const double t_floor = time_it([&] {
        bool ended = false;  // the pass that produced EOS had prompt + answer as input
        if (tok && !in.input_ids.empty() && meta->output == "logits") {
          auto answer = model.generate(in, meta->max_new_tokens, *tok->eos());
          ended = static_cast<int>(answer.size()) < meta->max_new_tokens;
          in.input_ids.insert(in.input_ids.end(), answer.begin(), answer.end());
        }
        if (!ended) model.forward_only(in);
        t_png = time_it([&] { encode_png(overlay, "floor.png"); });
      });
      forwards = a.answer_ids.size() + 1;
      if (round == 0 && i == 0) continue;  // the first image pays for executor warm-up
      full.push_back(t_full);
      floor.push_back(t_floor);
      full_write.push_back(t_write);
      floor_png.push_back(t_png);
    }
  }
  std::printf(
      "{\"command\": \"pipeline\", \"model\": \"%s\", \"layers\": \"%s\", \"images\": %zu, \"rounds\": %d, "
      "\"threads\": %d, \"load_s\": %.4g, \"first_image_s\": %.4g, \"forwards_per_image_last\": %zu, "
      "\"full_median_s\": %.6g, \"floor_median_s\": %.6g, \"full_mean_s\": %.6g, \"floor_mean_s\": %.6g, "
      "\"ratio_of_sums\": %.4f, \"ratio_of_medians\": %.4f, \"full_write_mean_s\": %.6g, "
      "\"floor_png_mean_s\": %.6g}\n",
      args.positional[0].c_str(), args.layers.c_str(), images.size(), args.rounds, args.threads, load_s,
      first_image_s, forwards, median(full), median(floor), sum(full) / full.size(), sum(floor) / floor.size(),
      sum(full) / sum(floor), median(full) / median(floor), sum(full_write) / full_write.size(),
      sum(floor_png) / floor_png.size());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // The attnviz executable sets the compute libraries' idle policy before they load
  // (runtime.h); this program links them, so it sets it and starts again.
  if (!std::getenv("OMP_WAIT_POLICY")) {
    configure_process();
    execv("/proc/self/exe", argv);
  }
  configure_process();
  const Args args = parse(argc, argv);
  try {
    if (args.command == "overhead") return overhead(args);
    if (args.command == "mem") return mem(args);
    if (args.command == "pipeline") return pipeline(args);
    if (args.command == "load") return load_only(args);
  } catch (const std::exception& e) {
    std::cerr << "bench_capture: " << e.what() << "\n";
    return 1;
  }
  usage("unknown command " + args.command);
}
