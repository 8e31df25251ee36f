// Regenerates src/sinks/html/colormaps.js: html_colormaps_js > src/sinks/html/colormaps.js
#include <iostream>

#include "colormap_tables.h"

int main() {
  std::cout << attnviz::test::colormaps_js();
  return 0;
}
