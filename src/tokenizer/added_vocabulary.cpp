#include "added_vocabulary.h"

#include <algorithm>

#include "unicode_props.h"
#include "utf8.h"

namespace attnviz::tok {
namespace {

char32_t last_char(const std::string& text, size_t end) {
  size_t start = end - 1;
  while (start > 0 && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
  return next_code_point(text, start);
}

// Start of the run of white space that ends at `end` (Hugging Face's \s*$).
size_t white_space_run_start(const std::string& text, size_t end) {
  while (end > 0) {
    size_t start = end - 1;
    while (start > 0 && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
    size_t pos = start;
    if (!is_white_space(next_code_point(text, pos))) break;
    end = start;
  }
  return end;
}

// End of the run of white space that starts at `pos` (Hugging Face's ^\s*).
size_t white_space_run_end(const std::string& text, size_t pos) {
  while (pos < text.size()) {
    size_t next = pos;
    if (!is_white_space(next_code_point(text, next))) break;
    pos = next;
  }
  return pos;
}

}  // namespace

void AddedVocabulary::Matcher::add(const std::string& content, int32_t id) {
  int32_t node = 0;
  for (unsigned char c : content) {
    auto it = nodes_[static_cast<size_t>(node)].children.find(c);
    if (it == nodes_[static_cast<size_t>(node)].children.end()) {
      nodes_.emplace_back();
      const auto child = static_cast<int32_t>(nodes_.size() - 1);
      nodes_[static_cast<size_t>(node)].children.emplace(c, child);
      node = child;
    } else {
      node = it->second;
    }
  }
  nodes_[static_cast<size_t>(node)].token = id;
}

std::optional<std::pair<int32_t, size_t>> AddedVocabulary::Matcher::longest_at(const std::string& text, size_t pos) const {
  std::optional<std::pair<int32_t, size_t>> best;
  int32_t node = 0;
  for (size_t i = pos; i < text.size(); ++i) {
    const auto& children = nodes_[static_cast<size_t>(node)].children;
    const auto it = children.find(static_cast<unsigned char>(text[i]));
    if (it == children.end()) break;
    node = it->second;
    if (nodes_[static_cast<size_t>(node)].token >= 0) best = std::make_pair(nodes_[static_cast<size_t>(node)].token, i + 1 - pos);
  }
  return best;
}

void AddedVocabulary::build(const std::vector<AddedToken>& tokens, const Normalizer* normalizer) {
  // Hugging Face lists the special tokens first, then the others whose content is not
  // also special; each is matched as written or normalized per its own entry.
  std::vector<const AddedToken*> order;
  std::unordered_set<std::string> seen_special;
  for (const AddedToken& t : tokens) {
    if (t.special && !t.content.empty() && seen_special.insert(t.content).second) order.push_back(&t);
  }
  for (const AddedToken& t : tokens) {
    if (!t.content.empty() && !special_.count(t.content)) order.push_back(&t);
  }
  for (const AddedToken* t : order) {
    const int32_t id = ids_.at(t->content);
    if (!t->normalized) {
      raw_.add(t->content, id);
      continue;
    }
    std::string pattern = t->content;
    if (normalizer) normalizer->normalize(pattern);
    if (!pattern.empty()) normalized_.add(pattern, id);
  }
}

std::vector<Piece> AddedVocabulary::split_one(Piece&& piece, const Matcher& matcher) const {
  const std::string& text = piece.text;
  std::vector<Piece> out;
  auto emit = [&](size_t start, size_t end, int32_t token) {
    out.push_back({text.substr(start, end - start), piece.at_origin && start == 0, token});
  };
  size_t done = 0;   // end of the last piece emitted
  size_t pos = 0;    // where the search for the next match goes on
  while (pos < text.size()) {
    const auto match = matcher.longest_at(text, pos);
    if (!match) {
      pos += std::max<size_t>(1, valid_sequence_length(text, pos));
      continue;
    }
    size_t start = pos;
    size_t stop = pos + match->second;
    pos = stop;  // the search resumes after the match itself, not after stripped space
    const AddedToken& t = by_id_.at(match->first);
    if (t.single_word) {
      const bool word_before = start > 0 && is_word_char(last_char(text, start));
      size_t after = stop;
      const bool word_after = stop < text.size() && is_word_char(next_code_point(text, after));
      if (word_before || word_after) continue;
    }
    if (t.lstrip) start = std::max(white_space_run_start(text, start), done);
    if (t.rstrip) stop = white_space_run_end(text, stop);
    if (done < start) emit(done, start, -1);
    emit(start, stop, match->first);
    done = stop;
  }
  if (done < text.size()) emit(done, text.size(), -1);
  return out;
}

void AddedVocabulary::split(std::vector<Piece>& pieces, const Matcher& matcher) const {
  // Even with nothing to match this drops empty pieces, as Hugging Face's split does.
  cut_text_pieces(pieces, [&](Piece&& p) {
    if (matcher.empty()) return std::vector<Piece>{std::move(p)};
    return split_one(std::move(p), matcher);
  });
}

std::optional<int32_t> AddedVocabulary::id_of(const std::string& content) const {
  const auto it = ids_.find(content);
  if (it == ids_.end()) return std::nullopt;
  return it->second;
}

const AddedToken* AddedVocabulary::token(int64_t id) const {
  const auto it = by_id_.find(static_cast<int32_t>(id));
  if (id < 0 || id > INT32_MAX || it == by_id_.end()) return nullptr;
  return &it->second;
}

int64_t AddedVocabulary::max_id() const {
  int64_t m = -1;
  for (const auto& entry : by_id_) m = std::max<int64_t>(m, entry.first);
  return m;
}

}  // namespace attnviz::tok
