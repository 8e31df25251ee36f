// attnviz tokenize (MODEL.pt | --tokenizer FILE) TEXT... : the ids a model is fed for a
// text, the tokens they stand for, and the text for ids. The model's tokenizer is the
// tokenizer.json embedded in its archive, read without loading the model.
#include <iostream>
#include <memory>

#include "attnviz/archive.h"
#include "attnviz/error.h"
#include "attnviz/hf_tokenizer.h"
#include "commands.h"

namespace attnviz::cli {
namespace {

struct TokenizeArgs {
  // [MODEL] TEXT...: two positionals, because CLI11 (2.1) ends a subcommand's only
  // positional at "--" once it holds a value, so `tokenize MODEL -- -x` would fail.
  std::string first_input;
  bool has_first_input = false;
  std::vector<std::string> more_inputs;
  std::string tokenizer_file;
  std::string decode;
  bool tokens = false;
  bool no_special = false;
};

std::unique_ptr<HfTokenizer> load_tokenizer(const TokenizeArgs& args, std::vector<std::string>& texts) {
  texts = args.more_inputs;
  if (args.has_first_input) texts.insert(texts.begin(), args.first_input);
  if (!args.tokenizer_file.empty()) return HfTokenizer::from_file(args.tokenizer_file);
  if (texts.empty()) fail_usage("tokenize: give MODEL.pt or --tokenizer FILE");
  const std::string model = texts.front();
  texts.erase(texts.begin());
  auto json = read_archive_extra_file(model, "tokenizer.json");
  if (!json) {
    fail_model(model, "has no tokenizer.json extra file (embed one with torch.jit.save(..., _extra_files=...), "
                      "see docs/tokenizer.md, or pass --tokenizer FILE)");
  }
  return HfTokenizer::from_json(*json, model + ":tokenizer.json");
}

std::vector<int64_t> parse_ids(const std::string& list) {
  std::vector<int64_t> ids;
  size_t pos = 0;
  while (pos <= list.size()) {
    size_t comma = list.find(',', pos);
    if (comma == std::string::npos) comma = list.size();
    const std::string item = list.substr(pos, comma - pos);
    size_t used = 0;
    long long id = -1;
    try {
      id = std::stoll(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    while (used < item.size() && item[used] == ' ') ++used;
    if (item.empty() || used != item.size() || id < 0) fail_usage("--decode: \"" + item + "\" is not a token id");
    ids.push_back(id);
    pos = comma + 1;
  }
  return ids;
}

void print_ids(const HfTokenizer& tokenizer, const std::vector<int64_t>& ids, bool with_tokens) {
  for (size_t i = 0; i < ids.size(); ++i) std::cout << (i ? "," : "") << ids[i];
  std::cout << "\n";
  if (!with_tokens) return;
  // Labels never hold a plain space (it shows as ␣), so a space separates them.
  for (size_t i = 0; i < ids.size(); ++i) std::cout << (i ? " " : "") << tokenizer.display_token(ids[i]);
  std::cout << "\n";
}

int tokenize_command(const TokenizeArgs& args) {
  std::vector<std::string> texts;
  const auto tokenizer = load_tokenizer(args, texts);
  if (texts.empty() && args.decode.empty()) fail_usage("tokenize: give TEXT to tokenize or --decode IDS");
  // Encode everything first, so that a bad text fails before any output.
  std::vector<std::vector<int64_t>> encoded;
  for (const auto& text : texts) encoded.push_back(tokenizer->encode(text, !args.no_special));
  const std::vector<int64_t> to_decode = args.decode.empty() ? std::vector<int64_t>{} : parse_ids(args.decode);

  for (const auto& ids : encoded) print_ids(*tokenizer, ids, args.tokens);
  if (!args.decode.empty()) {
    std::cout << tokenizer->decode(to_decode, args.no_special) << "\n";
    if (args.tokens) print_ids(*tokenizer, to_decode, true);
  }
  std::cout.flush();
  return std::cout ? 0 : static_cast<int>(ExitCode::output);
}

}  // namespace

Action add_tokenize(CLI::App& app) {
  auto args = std::make_shared<TokenizeArgs>();
  auto* cmd = app.add_subcommand(
      "tokenize", "Token ids for texts (one comma-separated line each) with a model's tokenizer.json or a given one");
  auto* first = cmd->add_option("model", args->first_input, "MODEL.pt (unless --tokenizer is given; then the first text)");
  cmd->add_option("texts", args->more_inputs, "The texts (after --, they may begin with '-')");
  cmd->add_option("--tokenizer", args->tokenizer_file, "A Hugging Face tokenizer.json instead of the model's");
  cmd->add_flag("--tokens", args->tokens, "Also print the tokens, readable (␣ space, ↵ newline, ⇥ tab), on a second line");
  cmd->add_option("--decode", args->decode, "Print the text for these ids (e.g. 1,2,3)");
  cmd->add_flag("--no-special", args->no_special,
                "Encode without the tokenizer's template (BOS ...); decode without special tokens");
  return [args, first] {
    args->has_first_input = first->count() > 0;
    return tokenize_command(*args);
  };
}

}  // namespace attnviz::cli
