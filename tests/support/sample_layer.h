#pragma once
// The layer hand-made analyses start from (tests without a model): lm.layers.INDEX.attn
// with HEADS heads over TOKENS x TOKENS, nothing captured yet.
#include <string>

#include "attnviz/analysis.h"

namespace attnviz::test {

inline LayerView sample_layer(int index, int heads, int tokens) {
  LayerView l;
  l.attention.stack = "lm.layers";
  l.attention.index = index;
  l.attention.name = "lm.layers." + std::to_string(index) + ".attn";
  l.attention.heads = heads;
  l.attention.tq = l.attention.tk = tokens;
  return l;
}

}  // namespace attnviz::test
