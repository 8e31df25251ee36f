// The attnviz.json document embedded in a model archive, and what attnviz derives from
// it: the token layout of each stack, the tokenizer and the default prompt. A bad
// document must be a model Error naming the file; anything else escaping is a finding.
#include <cstdint>
#include <string>

#include "attnviz/error.h"
#include "attnviz/metadata.h"
#include "attnviz/token_layout.h"
#include "attnviz/tokenizer.h"
#include "fuzz_check.h"

using namespace attnviz;
using attnviz::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  Metadata meta;
  try {
    meta = parse_metadata(text, "fuzz.pt");
  } catch (const Error& e) {
    const std::string message = e.what();
    check(e.code() == ExitCode::model && message.rfind("fuzz.pt: attnviz.json: ", 0) == 0 &&
          message.find('\n') == std::string::npos);
    return 0;
  }
  for (const auto& [budget, grid] : meta.budget_grids) check(budget > 0 && grid[0] > 0 && grid[1] > 0);
  // Every stack's layout, against a few runs (key counts, ids, image sizes).
  for (const auto& [name, layout] : meta.stacks) {
    check(find_stack_layout(meta, name) != nullptr);
    for (int keys : {1, 17, 1000}) {
      LayoutInputs in;
      in.keys = keys;
      in.ids.assign(7, 1);
      in.image_h = in.image_w = 32;
      try {
        const TokenLayout t = resolve_layout(layout, in, "fuzz.pt");
        check(t.keys == keys);
        for (const auto& span : t.images) {
          check(span.offset >= 0 && span.grid_h > 0 && span.grid_w > 0);
          check(static_cast<int64_t>(span.grid_h) * span.grid_w == span.count);
          check(static_cast<int64_t>(span.offset) + span.count <= keys);
        }
        for (int k : t.text) check(k >= 0 && k < keys);
      } catch (const Error& e) {
        // A layout that does not fit this run is a model error naming the file.
        const std::string message = e.what();
        check(e.code() == ExitCode::model && message.rfind("fuzz.pt", 0) == 0 &&
              message.find('\n') == std::string::npos);
      }
    }
  }
  if (meta.tokenizer && meta.tokenizer->kind == TokenizerSpec::Kind::words) {
    WordTokenizer tok(*meta.tokenizer);
    try {
      auto ids = tok.encode(meta.default_prompt);
      for (auto id : ids) check(id >= 0 && id < static_cast<int64_t>(meta.tokenizer->vocab.size()));
      (void)tok.decode(ids);
    } catch (const Error& e) {
      check(e.code() == ExitCode::usage || e.code() == ExitCode::input);
    }
  }
  return 0;
}
