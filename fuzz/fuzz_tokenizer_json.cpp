// A tokenizer.json (from --tokenizer or embedded in a model), and what attnviz does with
// it: encode, decode, labels. A bad document must be a one-line model Error naming the
// file (when loading, or, as in Hugging Face, when a text needs what it lacks, such as
// an unk_token missing from the vocabulary); text that is not UTF-8 a usage Error;
// anything else escaping is a finding, and so are ids out of range and decodes that are
// not UTF-8.
#include <cstdint>
#include <string>

#include "attnviz/error.h"
#include "attnviz/hf_tokenizer.h"
#include "fuzz_check.h"
#include "utf8.h"

using namespace attnviz;
using attnviz::fuzz::check;

namespace {

void exercise(const HfTokenizer& tok, const std::string& text) {
  std::vector<int64_t> ids;
  try {
    ids = tok.encode(text);
  } catch (const Error& e) {
    const std::string message = e.what();
    check(e.code() == ExitCode::usage || (e.code() == ExitCode::model && message.rfind("fuzz.json: ", 0) == 0));
    check(message.find('\n') == std::string::npos);
    return;
  }
  for (int64_t id : ids) {
    check(id >= 0 && id < tok.vocab_size());
    check(!tok::find_invalid_utf8(tok.display_token(id)));
  }
  check(!tok::find_invalid_utf8(tok.decode(ids, false)));
  check(!tok::find_invalid_utf8(tok.decode(ids, true)));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  std::unique_ptr<HfTokenizer> tok;
  try {
    tok = HfTokenizer::from_json(text, "fuzz.json");
  } catch (const Error& e) {
    const std::string message = e.what();
    check(e.code() == ExitCode::model && message.rfind("fuzz.json: ", 0) == 0 && message.find('\n') == std::string::npos);
    return 0;
  }
  for (const char* sample : {"", "Hello  world\n\t<s> </s> <|im_start|>", "\xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x98\x80!"}) {
    exercise(*tok, sample);
  }
  exercise(*tok, text.substr(0, 64));  // the document's own bytes as a text
  for (int64_t id = -1; id < 300; ++id) check(!tok::find_invalid_utf8(tok->display_token(id)));
  return 0;
}
