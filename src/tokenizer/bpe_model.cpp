#include "bpe_model.h"

#include <algorithm>
#include <cstdio>
#include <queue>

#include "attnviz/error.h"
#include "utf8.h"

namespace attnviz::tok {

BpeModel::BpeModel(TokenTable vocab, const MergeList& merges, BpeSettings settings, const std::string& source)
    : vocab_(std::move(vocab)), settings_(std::move(settings)), source_(source) {
  // The id -> token index is dense; ids far beyond the count would make it huge.
  if (vocab_.max_id() >= 0 && static_cast<size_t>(vocab_.max_id()) > 8 * vocab_.size() + 65536) {
    fail_model(source_, "model.vocab has ids up to " + std::to_string(vocab_.max_id()) + " for " +
                            std::to_string(vocab_.size()) + " tokens; ids this sparse are not supported");
  }
  id_to_token_ = vocab_.by_id();
  byte_token_ids_.assign(256, -1);
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof name, "<0x%02X>", b);
    if (auto id = vocab_.find(name)) byte_token_ids_[static_cast<size_t>(b)] = *id;
  }

  const size_t prefix_length = settings_.continuing_subword_prefix ? settings_.continuing_subword_prefix->size() : 0;
  merges_.reserve(merges.size());
  // Half a million merges each look up three strings at random places in a table of
  // megabytes: the lookups of a batch are announced first (slots, then the strings they
  // point to), so that their cache misses overlap instead of coming one after another.
  constexpr size_t kBatch = 32;
  std::vector<std::string> joined(kBatch);
  uint32_t hashes[kBatch][3];
  for (size_t base = 0; base < merges.size(); base += kBatch) {
    const size_t n = std::min(kBatch, merges.size() - base);
    for (size_t k = 0; k < n; ++k) {
      const std::string_view left = merges.left(base + k), right = merges.right(base + k);
      // The right part loses the continuing-subword prefix in the merged token.
      joined[k].assign(left);
      if (right.size() >= prefix_length) joined[k].append(right.substr(prefix_length));
      hashes[k][0] = TokenTable::hash(left);
      hashes[k][1] = TokenTable::hash(right);
      hashes[k][2] = TokenTable::hash(joined[k]);
      for (uint32_t h : hashes[k]) vocab_.prefetch(h);
    }
    for (size_t k = 0; k < n; ++k) {
      for (uint32_t h : hashes[k]) vocab_.prefetch_text(h);
    }
    int32_t ids[kBatch][3];
    for (size_t k = 0; k < n; ++k) {
      for (int part = 0; part < 3; ++part) {
        const std::string_view token = part == 0 ? merges.left(base + k) : part == 1 ? merges.right(base + k) : joined[k];
        const auto id = vocab_.find(token, hashes[k][part]);
        if (!id) {
          fail_model(source_, "merge " + std::to_string(base + k + 1) + " (" + std::string(merges.left(base + k)) + " " +
                                  std::string(merges.right(base + k)) + ") uses " + std::string(token) +
                                  ", which is not in the vocabulary");
        }
        ids[k][part] = *id;
      }
      merges_.prefetch(ids[k][0], ids[k][1]);
    }
    for (size_t k = 0; k < n; ++k) merges_.insert(ids[k][0], ids[k][1], {static_cast<uint32_t>(base + k), ids[k][2]});
  }
}

std::optional<std::string_view> BpeModel::id_to_token(int64_t id) const {
  if (id < 0 || id >= static_cast<int64_t>(id_to_token_.size())) return std::nullopt;
  const auto token = id_to_token_[static_cast<size_t>(id)];
  if (token.data() == nullptr) return std::nullopt;
  return token;
}

std::vector<BpeModel::Symbol> BpeModel::initial_symbols(std::string_view word) const {
  std::vector<Symbol> symbols;
  symbols.reserve(word.size());
  auto add = [&](int32_t id, size_t length) {
    const auto index = static_cast<int32_t>(symbols.size());
    if (!symbols.empty()) symbols.back().next = index;
    symbols.push_back({id, index - 1, -1, static_cast<uint32_t>(length)});
  };
  // An unknown character waits here, so that a run of them can fuse into one unk.
  std::optional<std::pair<int32_t, size_t>> pending_unk;
  std::string piece;
  size_t pos = 0;
  while (pos < word.size()) {
    const size_t start = pos;
    next_code_point(word, pos);
    const size_t char_length = pos - start;
    piece.clear();
    if (start > 0 && settings_.continuing_subword_prefix) piece += *settings_.continuing_subword_prefix;
    piece.append(word.substr(start, char_length));
    if (pos == word.size() && settings_.end_of_word_suffix) piece += *settings_.end_of_word_suffix;

    if (const auto id = vocab_.find(piece)) {
      if (pending_unk) add(pending_unk->first, pending_unk->second);
      pending_unk.reset();
      add(*id, char_length);
      continue;
    }
    if (settings_.byte_fallback) {
      bool all_bytes_known = true;
      for (unsigned char b : piece) all_bytes_known = all_bytes_known && byte_token_ids_[b] >= 0;
      if (all_bytes_known) {
        // Hugging Face leaves a pending unk waiting here, to come after these bytes.
        for (unsigned char b : piece) add(byte_token_ids_[b], 1);
        continue;
      }
    }
    if (!settings_.unk_token) continue;  // no unk token: the character is dropped, as in Hugging Face
    const auto unk_id = vocab_.find(*settings_.unk_token);
    if (!unk_id) fail_model(source_, "unk_token " + *settings_.unk_token + " is not in the vocabulary");
    if (pending_unk && settings_.fuse_unk) {
      pending_unk->second += char_length;
    } else {
      if (pending_unk) add(pending_unk->first, pending_unk->second);
      pending_unk = std::make_pair(*unk_id, char_length);
    }
  }
  if (pending_unk) add(pending_unk->first, pending_unk->second);
  return symbols;
}

void BpeModel::merge_symbols(std::vector<Symbol>& symbols) const {
  struct Candidate {
    uint32_t rank;
    int32_t pos;
    int32_t id;
  };
  // Lowest rank first; among equal ranks (the same pair) the leftmost.
  auto later = [](const Candidate& a, const Candidate& b) { return a.rank != b.rank ? a.rank > b.rank : a.pos > b.pos; };
  std::priority_queue<Candidate, std::vector<Candidate>, decltype(later)> queue(later);
  auto push_pair = [&](int32_t pos) {
    const Symbol& s = symbols[static_cast<size_t>(pos)];
    if (s.next < 0) return;
    if (const MergeResult* m = merges_.find(s.id, symbols[static_cast<size_t>(s.next)].id)) queue.push({m->rank, pos, m->id});
  };
  for (size_t i = 0; i + 1 < symbols.size(); ++i) push_pair(static_cast<int32_t>(i));

  while (!queue.empty()) {
    const Candidate top = queue.top();
    queue.pop();
    Symbol& left = symbols[static_cast<size_t>(top.pos)];
    if (left.length == 0 || left.next < 0) continue;
    const Symbol right = symbols[static_cast<size_t>(left.next)];
    // A stale candidate: its pair changed since it was queued. Hugging Face compares the
    // merged id, not the rank, and so does this.
    const MergeResult* now = merges_.find(left.id, right.id);
    if (!now || now->id != top.id) continue;

    symbols[static_cast<size_t>(left.next)].length = 0;
    left.id = top.id;
    left.length += right.length;
    left.next = right.next;
    if (right.next >= 0) symbols[static_cast<size_t>(right.next)].prev = top.pos;
    if (left.prev >= 0) push_pair(left.prev);
    push_pair(top.pos);
  }
}

void BpeModel::tokenize(std::string_view word, std::vector<int32_t>& ids) const {
  if (word.empty()) return;
  if (settings_.ignore_merges) {
    if (const auto id = vocab_.find(word)) {
      ids.push_back(*id);
      return;
    }
  }
  std::vector<Symbol> symbols = initial_symbols(word);
  merge_symbols(symbols);
  for (const Symbol& s : symbols) {
    if (s.length != 0) ids.push_back(s.id);
  }
}

}  // namespace attnviz::tok
