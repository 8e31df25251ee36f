// The command-line specs users type: --layers, --budgets / --input-ids, --query (and the
// rows it resolves to), --image-tokens and --heads. The first byte picks the parser and
// its context; the rest is the text. A bad spec must be an attnviz::Error (usage, one
// line); anything else escaping, or a result outside the documented range, is a finding.
#include <algorithm>
#include <cstdint>
#include <string>

#include "attnviz/attention.h"
#include "attnviz/error.h"
#include "attnviz/layer_selection.h"
#include "attnviz/query.h"
#include "attnviz/token_layout.h"
#include "fuzz_check.h"

using namespace attnviz;
using attnviz::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const int selector = data[0];
  const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  try {
    switch (selector % 5) {
      case 0: {
        const int layers = selector / 5;  // 0..51
        const auto out = LayerSelection::parse(text).resolve(layers);
        for (size_t i = 0; i < out.size(); ++i) {
          check(out[i] >= 0 && out[i] < layers);
          check(std::find(out.begin(), out.begin() + static_cast<long>(i), out[i]) == out.begin() + static_cast<long>(i));
        }
        break;
      }
      case 1: {
        for (int v : parse_int_list(text, "budgets")) check(v > 0);
        break;
      }
      case 2: {
        const QuerySpec q = parse_query(text);
        (void)q.str();
        SequenceLayout s;
        s.tq = selector / 5 + 1;  // 1..52
        s.text_offset = selector % 3;
        s.prompt_len = selector % 7;
        s.answer_len = selector % 4;
        for (int r : query_rows(q, s)) check(r >= 0 && r < s.tq);
        break;
      }
      case 3: {
        const TokenSpan t = parse_token_span(text);
        check(t.offset >= 0 && t.grid_h > 0 && t.grid_w > 0 &&
              static_cast<int64_t>(t.grid_h) * t.grid_w == t.count);
        break;
      }
      case 4: {
        const HeadFusion f = parse_head_fusion(text);
        check(f.head >= 0);
        (void)f.str();
        break;
      }
    }
  } catch (const Error& e) {
    const std::string message = e.what();
    check(e.code() == ExitCode::usage && !message.empty() && message.find('\n') == std::string::npos);
  }
  return 0;
}
