#pragma once
// The model-running part of attnviz, loaded on first use (src/app/engine.h says why).
#include "../app/engine.h"

namespace attnviz::cli {

// Loads lib/libattnviz_app.so beside the executable (or $ATTNVIZ_ENGINE); throws an
// internal Error naming the library when it cannot.
const app::Engine& engine();

}  // namespace attnviz::cli
