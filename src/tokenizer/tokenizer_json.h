#pragma once
// Parsing tokenizer.json fast enough for Gemma-3's 33 MB: one SAX pass that streams the
// model's "vocab" and "merges" (nearly all of the file) straight into their tables and
// builds an ordinary JSON tree of everything else.
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "bpe_model.h"
#include "token_table.h"

namespace attnviz::tok {

struct TokenizerDocument {
  nlohmann::json tree;  // the whole document but model.vocab and model.merges
  TokenTable vocab;     // model.vocab when it is an object of token -> id
  MergeList merges;     // model.merges, either "a b" strings or [a, b] pairs
  bool has_vocab = false;
  bool has_merges = false;
};

// Throws a model Error naming `source` for JSON that does not parse or a vocabulary or
// merge list of the wrong shape.
TokenizerDocument parse_tokenizer_json(std::string_view text, const std::string& source);

}  // namespace attnviz::tok
