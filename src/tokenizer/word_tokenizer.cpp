#include "attnviz/tokenizer.h"

#include <cctype>

#include "attnviz/error.h"

namespace attnviz {
namespace {

bool is_punct_token(char c) {
  return c == '.' || c == ',' || c == '?' || c == '!' || c == ':' || c == ';';
}

}  // namespace

WordTokenizer::WordTokenizer(const TokenizerSpec& spec) : vocab_(spec.vocab) {
  for (size_t i = 0; i < vocab_.size(); ++i) ids_.emplace(vocab_[i], static_cast<int64_t>(i));
  auto find = [&](const std::string& t) -> int64_t {
    if (t.empty()) return -1;
    auto it = ids_.find(t);
    return it == ids_.end() ? -1 : it->second;
  };
  bos_ = find(spec.bos);
  eos_ = find(spec.eos);
}

std::vector<std::string> WordTokenizer::split(const std::string& text) {
  std::vector<std::string> words;
  std::string cur;
  auto flush = [&] {
    if (!cur.empty()) words.push_back(cur);
    cur.clear();
  };
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      flush();
    } else if (is_punct_token(c)) {
      flush();
      words.emplace_back(1, c);
    } else {
      cur += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  flush();
  return words;
}

std::optional<int64_t> WordTokenizer::bos() const {
  return bos_ >= 0 ? std::optional<int64_t>(bos_) : std::nullopt;
}

std::optional<int64_t> WordTokenizer::eos() const {
  return eos_ >= 0 ? std::optional<int64_t>(eos_) : std::nullopt;
}

std::vector<int64_t> WordTokenizer::encode(const std::string& text, bool add_special_tokens) const {
  std::vector<int64_t> ids;
  if (add_special_tokens && bos_ >= 0) ids.push_back(bos_);
  for (const auto& w : split(text)) {
    auto it = ids_.find(w);
    // A word the model does not know is an error, even with an unknown-token: fed as
    // <unk>, the prompt would silently ask something else.
    if (it == ids_.end()) fail_option("prompt", ": the word '" + w + "' is not in the model's vocabulary");
    ids.push_back(it->second);
  }
  return ids;
}

std::string WordTokenizer::token(int64_t id) const {
  if (id < 0 || id >= static_cast<int64_t>(vocab_.size())) return "<" + std::to_string(id) + ">";
  return vocab_[static_cast<size_t>(id)];
}

// Nothing is skipped: the vocabulary's specials never reach an answer (EOS ends it).
std::string WordTokenizer::decode(const std::vector<int64_t>& ids, bool /*skip_special_tokens*/) const {
  std::string out;
  for (auto id : ids) {
    std::string t = token(id);
    bool attach = t.size() == 1 && is_punct_token(t[0]);
    if (!out.empty() && !attach) out += ' ';
    out += t;
  }
  return out;
}

}  // namespace attnviz
