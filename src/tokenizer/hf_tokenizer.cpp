// HfTokenizer: text through the pipeline stages of tokenizer.json, and ids back.
#include "attnviz/hf_tokenizer.h"

#include <cstdio>

#include "attnviz/error.h"
#include "hf_tokenizer_parts.h"
#include "token_display.h"
#include "utf8.h"

namespace attnviz {

HfTokenizer::HfTokenizer(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}
HfTokenizer::~HfTokenizer() = default;

std::vector<int64_t> HfTokenizer::encode(const std::string& text, bool add_special_tokens) const {
  if (const auto bad = tok::find_invalid_utf8(text)) {
    char byte[8];
    std::snprintf(byte, sizeof byte, "0x%02X", static_cast<unsigned char>(text[*bad]));
    fail_usage("text to tokenize is not valid UTF-8 (byte " + std::string(byte) + " at offset " + std::to_string(*bad) + ")");
  }
  const Parts& p = *parts_;
  // As Hugging Face: added tokens written as-is come out of the raw text first; each
  // stretch between them is normalized on its own, then searched for the tokens that
  // match normalized text; pre-tokenizers cut the stretches; the model takes each piece.
  std::vector<tok::Piece> pieces{{text, true, -1}};
  p.added->split_raw(pieces);
  if (p.normalizer) {
    for (tok::Piece& piece : pieces) {
      if (!piece.is_token()) p.normalizer->normalize(piece.text);
    }
  }
  p.added->split_normalized(pieces);
  if (p.pre_tokenizer) p.pre_tokenizer->pre_tokenize(pieces);

  std::vector<int32_t> ids;
  ids.reserve(text.size() / 3 + 4);
  for (const tok::Piece& piece : pieces) {
    if (piece.is_token()) ids.push_back(piece.token);
    else p.model->tokenize(piece.text, ids);
  }
  if (add_special_tokens && p.post_processor) p.post_processor->add_special_tokens(ids);
  return std::vector<int64_t>(ids.begin(), ids.end());
}

std::string HfTokenizer::decode(const std::vector<int64_t>& ids, bool skip_special_tokens) const {
  const Parts& p = *parts_;
  std::vector<std::string> tokens;
  tokens.reserve(ids.size());
  for (int64_t id : ids) {
    std::string t;
    if (const tok::AddedToken* added = p.added->token(id)) {
      t = added->content;
    } else if (const auto stored = p.model->id_to_token(id)) {
      t = std::string(*stored);
    } else {
      continue;
    }
    if (skip_special_tokens && p.added->is_special(t)) continue;
    tokens.push_back(std::move(t));
  }
  std::string text;
  if (!p.decoder) {
    for (size_t i = 0; i < tokens.size(); ++i) text += (i ? " " : "") + tokens[i];
    return text;
  }
  for (const std::string& piece : p.decoder->decode_chain(std::move(tokens), false)) text += piece;
  return text;
}

std::string HfTokenizer::token(int64_t id) const {
  if (const tok::AddedToken* added = parts_->added->token(id)) return added->content;
  if (const auto stored = parts_->model->id_to_token(id)) return std::string(*stored);
  return "<" + std::to_string(id) + ">";
}

std::string HfTokenizer::display_token(int64_t id) const {
  const Parts& p = *parts_;
  const std::string stored = token(id);
  const tok::AddedToken* added = p.added->token(id);
  const bool known = added || p.model->id_to_token(id);
  // Special tokens are shown as written; the others as the decoder turns them to text
  // (Gemma lists "▁▁" among its added tokens, and decodes it as two spaces).
  if (!known || !p.decoder || (added && p.added->is_special(added->content))) return tok::visible_label(stored);
  std::string bytes;
  for (const std::string& piece : p.decoder->decode_chain({stored}, true)) bytes += piece;
  return tok::visible_label(bytes);
}

int64_t HfTokenizer::vocab_size() const { return std::max(parts_->model->max_id(), parts_->added->max_id()) + 1; }

std::optional<int64_t> HfTokenizer::bos() const { return parts_->bos; }
std::optional<int64_t> HfTokenizer::eos() const { return parts_->eos; }

std::optional<int64_t> HfTokenizer::token_id(const std::string& token) const {
  if (const auto id = parts_->added->id_of(token)) return *id;
  if (const auto id = parts_->model->token_to_id(token)) return *id;
  return std::nullopt;
}

bool HfTokenizer::is_special(int64_t id) const {
  const tok::AddedToken* added = parts_->added->token(id);
  return added && parts_->added->is_special(added->content);
}

}  // namespace attnviz
