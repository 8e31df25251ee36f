#pragma once
#include <string>

namespace attnviz {

// The stack an attention site belongs to: its module path up to the first numbered
// component ("lm.layers.3.attn" -> "lm.layers", torchvision's
// "encoder.layers.encoder_layer_0.self_attention" -> "encoder.layers"); without a
// numbered component, the parent path ("cross.mha" -> "cross").
std::string stack_of(const std::string& site_path);

// Whether `stack` is selected by the user's `spec`: equal, or `spec` is a prefix of it
// at a '.' boundary ("lm" selects "lm.layers").
bool stack_matches(const std::string& spec, const std::string& stack);

}  // namespace attnviz
