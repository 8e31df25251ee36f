// The command-line specs users type: --layers, --budgets / --input-ids, --query (and the
// rows it resolves to), --image-tokens / --layout (and the spans they resolve to) and
// --heads. The first byte picks the parser and its context; the rest is the text. A bad spec must be an attnviz::Error (usage, one
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
        s.tk = s.tq + selector % 3;
        const int texts = std::min(selector % 7, s.tk);
        for (int i = 0; i < texts; ++i) s.text.push_back(s.tk - texts + i);
        s.answer_len = std::min(selector % 4, texts);
        s.prompt_len = texts - s.answer_len;
        if (selector % 2) s.cls = 0;
        for (int r : query_rows(q, s)) check(r >= 0 && r < s.tq);
        break;
      }
      case 3: {
        // --image-tokens or --layout, then resolved against a run of some key count.
        const StackLayout layout = (selector / 5) % 2 ? parse_layout(text) : parse_image_tokens(text);
        LayoutInputs in;
        in.keys = 1 + (selector / 10) * 7;  // 1..176
        in.ids.assign(static_cast<size_t>(in.keys / 2), 1);
        in.image_h = in.image_w = 224;
        const TokenLayout t = resolve_layout(layout, in, "fuzz", static_cast<int>(ExitCode::usage));
        check(t.keys == in.keys);
        for (const auto& span : t.images)
          check(span.offset >= 0 && span.grid_h > 0 && span.grid_w > 0 &&
                static_cast<int64_t>(span.grid_h) * span.grid_w == span.count &&
                static_cast<int64_t>(span.offset) + span.count <= in.keys);
        for (int k : t.text) check(k >= 0 && k < in.keys);
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
