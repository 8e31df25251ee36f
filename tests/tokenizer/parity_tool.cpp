// The C++ side of the parity test (parity.js): JSON requests on stdin, one per line,
// answered one per line on stdout.
//   {"encode": TEXT}            -> {"ids": [...]}            (special tokens added)
//   {"encode": TEXT, "plain": true} -> {"ids": [...]}        (without them)
//   {"decode": [IDS]}           -> {"text": ..., "text_skip": ...}
//   {"tokens": [IDS]}           -> {"tokens": [...]}         (stored strings)
// Errors become {"error": MESSAGE}.
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

#include "attnviz/error.h"
#include "attnviz/hf_tokenizer.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: tokenizer_parity_tool TOKENIZER.json < requests.jsonl\n";
    return 2;
  }
  std::unique_ptr<attnviz::HfTokenizer> tokenizer;
  try {
    tokenizer = attnviz::HfTokenizer::from_file(argv[1]);
  } catch (const attnviz::Error& e) {
    std::cerr << e.what() << "\n";
    return 1;
  }
  std::string line;
  while (std::getline(std::cin, line)) {
    nlohmann::json reply;
    try {
      const auto request = nlohmann::json::parse(line);
      if (request.contains("encode")) {
        reply["ids"] = tokenizer->encode(request["encode"].get<std::string>(), !request.value("plain", false));
      } else if (request.contains("decode")) {
        const auto ids = request["decode"].get<std::vector<int64_t>>();
        reply["text"] = tokenizer->decode(ids, false);
        reply["text_skip"] = tokenizer->decode(ids, true);
      } else if (request.contains("tokens")) {
        reply["tokens"] = nlohmann::json::array();
        for (int64_t id : request["tokens"].get<std::vector<int64_t>>()) reply["tokens"].push_back(tokenizer->token(id));
      }
    } catch (const std::exception& e) {
      reply = {{"error", e.what()}};
    }
    std::cout << reply.dump() << "\n";
  }
  return 0;
}
