#pragma once
// attnviz: where a vision-language model looks.
//
// Data flows one way: image -> preprocessing -> model run with attention taps ->
// Analysis (plain data) -> figure descriptions -> format sinks -> files.
//
//   model.h     Model::load, the sites and stacks of a model; capture_backend.h for formats
//   pipeline.h  analyze_image: one image through one model -> Analysis (analysis.h)
//   figures.h   builders: Analysis -> FigureSet (figure.h), one per figure kind
//   sinks.h     write_figures: a FigureSet as PNG / JSON / npy files (formats.h)
//   render/     the drawing behind the PNG sink; report.h the JSON behind the JSON sink
//   runtime.h   process-wide tuning an executable calls itself
//
// A whole run, as this header's test compiles and runs it (tests/CMakeLists.txt,
// library_example):
//
// example:
//   #include <cstdio>
//   #include "attnviz/attnviz.h"
//
//   int main(int argc, char** argv) {  // MODEL IMAGE OUTDIR
//     if (argc != 4) return 2;
//     attnviz::configure_process();  // before the capture backend's libraries load
//     attnviz::set_compute_threads(1);
//     const attnviz::Model model = attnviz::Model::load(argv[1]);
//     attnviz::AnalysisOptions options;
//     options.layers = attnviz::LayerSelection::parse("3,12");
//     options.prompt = "what color is the cross?";
//     const attnviz::Analysis a = attnviz::analyze_image(model, argv[2], options);
//     std::printf("answer: %s\n", a.answer.c_str());
//     attnviz::FigureOptions figures;
//     figures.stem = "example";
//     figures.grid = true;
//     const auto set = attnviz::single_figures(a, figures);
//     for (const auto& path : attnviz::write_figures(set, {"png", "json"}, argv[3]))
//       std::printf("wrote %s\n", path.c_str());
//   }
// end
#include "attnviz/analysis.h"
#include "attnviz/error.h"
#include "attnviz/figure.h"
#include "attnviz/figures.h"
#include "attnviz/layer_selection.h"
#include "attnviz/model.h"
#include "attnviz/pipeline.h"
#include "attnviz/runtime.h"
#include "attnviz/sinks.h"
