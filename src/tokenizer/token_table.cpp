#include "token_table.h"

#include <algorithm>

namespace attnviz::tok {
namespace {

size_t power_of_two_at_least(size_t n) {
  size_t p = 16;
  while (p < n) p <<= 1;
  return p;
}

}  // namespace

uint32_t TokenTable::hash(std::string_view token) {
  // FNV-1a, then a final mix so that the low bits (the slot) depend on every byte.
  uint32_t h = 2166136261u;
  for (unsigned char c : token) h = (h ^ c) * 16777619u;
  h ^= h >> 16;
  h *= 0x7FEB352Du;
  h ^= h >> 15;
  return h;
}

void TokenTable::reserve(size_t count, size_t bytes) {
  arena_.reserve(bytes);
  if (4 * count > 3 * slots_.size()) rehash(power_of_two_at_least(4 * count / 3 + 1));
}

void TokenTable::rehash(size_t capacity) {
  std::vector<Slot> old;
  old.swap(slots_);
  slots_.assign(capacity, Slot{0, -1, 0, 0});
  mask_ = capacity - 1;
  for (const Slot& s : old) {
    if (s.id < 0) continue;
    size_t i = s.hash & mask_;
    while (slots_[i].id >= 0) i = (i + 1) & mask_;
    slots_[i] = s;
  }
}

size_t TokenTable::probe(std::string_view token, uint32_t hash) const {
  for (size_t i = hash & mask_;; i = (i + 1) & mask_) {
    const Slot& s = slots_[i];
    if (s.id < 0) return i;
    if (s.hash == hash && s.length == token.size() && arena_.compare(s.offset, s.length, token) == 0) return i;
  }
}

void TokenTable::insert(std::string_view token, int32_t id) {
  if (4 * (count_ + 1) > 3 * slots_.size()) rehash(std::max<size_t>(16, slots_.size() * 2));
  const uint32_t h = hash(token);
  Slot& s = slots_[probe(token, h)];
  if (s.id < 0) {
    s = {h, id, static_cast<uint32_t>(arena_.size()), static_cast<uint32_t>(token.size())};
    arena_.append(token);
    ++count_;
  } else {
    s.id = id;
  }
}

std::optional<int32_t> TokenTable::find(std::string_view token, uint32_t hash) const {
  if (slots_.empty()) return std::nullopt;
  const Slot& s = slots_[probe(token, hash)];
  if (s.id < 0) return std::nullopt;
  return s.id;
}

int32_t TokenTable::max_id() const {
  int32_t m = -1;
  for (const Slot& s : slots_) m = std::max(m, s.id);
  return m;
}

std::vector<std::string_view> TokenTable::by_id() const {
  std::vector<std::string_view> out(static_cast<size_t>(max_id() + 1));
  for (const Slot& s : slots_) {
    if (s.id >= 0) out[static_cast<size_t>(s.id)] = std::string_view(arena_).substr(s.offset, s.length);
  }
  return out;
}

void MergeTable::reserve(size_t count) {
  if (4 * count > 3 * slots_.size()) rehash(power_of_two_at_least(4 * count / 3 + 1));
}

void MergeTable::rehash(size_t capacity) {
  std::vector<Slot> old;
  old.swap(slots_);
  slots_.assign(capacity, Slot{});
  mask_ = capacity - 1;
  for (const Slot& s : old) {
    if (s.key == kEmpty) continue;
    size_t i = hash(s.key) & mask_;
    while (slots_[i].key != kEmpty) i = (i + 1) & mask_;
    slots_[i] = s;
  }
}

void MergeTable::insert(int32_t left, int32_t right, MergeResult result) {
  if (4 * (count_ + 1) > 3 * slots_.size()) rehash(std::max<size_t>(16, slots_.size() * 2));
  const uint64_t key = pack(left, right);
  size_t i = hash(key) & mask_;
  while (slots_[i].key != kEmpty && slots_[i].key != key) i = (i + 1) & mask_;
  if (slots_[i].key == kEmpty) ++count_;
  slots_[i] = {key, result};
}

}  // namespace attnviz::tok
