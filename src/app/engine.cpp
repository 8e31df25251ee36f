#include "engine.h"

extern "C" const attnviz::app::Engine* attnviz_engine() {
  static const attnviz::app::Engine engine{attnviz::app::kEngineVersion, &attnviz::app::execute_run,
                                           &attnviz::app::execute_inspect};
  return &engine;
}
