#pragma once
// One self-contained interactive HTML page per result (docs/html.md). Plain data in,
// the whole file out: no torch, no OpenCV, nothing read from disk or the network.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace attnviz {

// Where the tokens of one layer's key sequence are. A count of 0 / no text: none.
struct HtmlSpans {
  int image_offset = 0, image_count = 0;  // image tokens [offset, offset + count)
  int grid_h = 0, grid_w = 0;             // their patch grid, row-major
  std::vector<int> text;                  // key position of each text token of the run, in order
  int prompt_count = 0;                   // the first `prompt_count` of them are the prompt's
};

struct HtmlLayer {
  std::string name;   // module path, e.g. "lm.layers.3.attn"
  std::string stack;  // e.g. "lm.layers"
  int index = 0;      // 0-based layer index within the stack
  int heads = 0;
  int tq = 0, tk = 0;           // query rows are aligned to the end of the key axis
  std::string fusion = "mean";  // how `matrix` combined the heads
  bool causal = false;          // the upper triangle is exactly zero
  std::vector<float> matrix;    // [tq, tk] head-fused, row-major
  std::vector<float> per_head;  // [heads, tq, tk], or empty
  HtmlSpans spans;
  std::vector<int> query_rows;  // rows (of tq) averaged for the default map
};

// One model at one budget: a column of the page.
struct HtmlRun {
  std::string title;   // the answer, shown as the column's title
  std::string model;   // model name
  int budget = 0;      // visual-token budget, 0: none
  std::string query;   // what query_rows are, e.g. "answer"
  std::vector<std::string> tokens;  // display strings of the text tokens, prompt then answer
  std::vector<HtmlLayer> layers;
};

struct HtmlImage {
  int width = 0, height = 0;
  std::vector<uint8_t> bgr;  // 8-bit, 3 channels, row-major, no padding
};

struct HtmlLimits {
  int max_matrix_side = 512;   // larger token x token matrices are mean-pooled by a whole factor
  int max_image_cells = 4096;  // larger patch grids are mean-pooled for the per-token maps
  int max_image_side = 1024;   // larger images are box-averaged by a whole factor
  size_t max_head_values = 4'000'000;  // per-head data above this (all layers) is left out
};

struct HtmlReport {
  std::string title;   // the page title
  std::string prompt;  // shown in the header; may be empty
  std::string figure = "single";  // "single", "budgets" or "models": how the runs differ
  HtmlImage image;
  std::vector<HtmlRun> runs;
  std::string colormap = "viridis";  // initial choices; the page can change them
  double alpha = 0.5;
  bool log_scale = false;
  HtmlLimits limits;
};

// The whole HTML file. The same report always gives the same bytes. Throws an
// attnviz::Error (usage) naming the run and layer when the data is inconsistent.
std::string render_html_report(const HtmlReport& report);

// The colormaps the page offers (attnviz's own, same colours as the PNGs).
std::vector<std::string> html_colormap_names();

}  // namespace attnviz
