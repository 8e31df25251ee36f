#pragma once
// Hash tables sized for real vocabularies (262k tokens, 515k merges) that load in a
// fraction of a second: loading is dominated by cache misses, so a probe touches one
// 16-byte slot (hash, id and where the string is), strings sit back to back in one
// arena, and lookups can be announced ahead (prefetch) when many come at once.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace attnviz::tok {

class TokenTable {
 public:
  static uint32_t hash(std::string_view token);

  void reserve(size_t count, size_t bytes);
  // A string already present takes the new id (the last duplicate key of a JSON
  // object wins, as in Hugging Face's deserialisation).
  void insert(std::string_view token, int32_t id);
  std::optional<int32_t> find(std::string_view token) const { return find(token, hash(token)); }
  std::optional<int32_t> find(std::string_view token, uint32_t hash) const;
  // Brings the slot a lookup with this hash starts at into the cache.
  void prefetch(uint32_t hash) const { __builtin_prefetch(&slots_[hash & mask_]); }
  // The next step, once the slot is in the cache: brings in the string it points to.
  void prefetch_text(uint32_t hash) const {
    for (size_t i = hash & mask_; slots_[i].id >= 0; i = (i + 1) & mask_) {
      if (slots_[i].hash == hash) return __builtin_prefetch(arena_.data() + slots_[i].offset);
    }
  }

  size_t size() const { return count_; }
  int32_t max_id() const;  // -1 when empty
  // The string of each id (empty view for ids no entry has), indexed by id; when two
  // strings share an id one of them is kept. The views live as long as the table.
  std::vector<std::string_view> by_id() const;

 private:
  struct Slot {
    uint32_t hash;
    int32_t id;  // -1: empty slot
    uint32_t offset, length;
  };
  size_t probe(std::string_view token, uint32_t hash) const;
  void rehash(size_t capacity);

  std::string arena_;
  std::vector<Slot> slots_;
  size_t mask_ = 0;
  size_t count_ = 0;
};

struct MergeResult {
  uint32_t rank;
  int32_t id;
};

class MergeTable {
 public:
  void reserve(size_t count);
  // A pair already present takes the new rank (the last duplicate wins, as when
  // Hugging Face collects the merges into a hash map).
  void insert(int32_t left, int32_t right, MergeResult result);
  void prefetch(int32_t left, int32_t right) const {
    if (!slots_.empty()) __builtin_prefetch(&slots_[hash(pack(left, right)) & mask_]);
  }
  const MergeResult* find(int32_t left, int32_t right) const {
    if (slots_.empty()) return nullptr;
    const uint64_t key = pack(left, right);
    for (size_t i = hash(key) & mask_;; i = (i + 1) & mask_) {
      if (slots_[i].key == key) return &slots_[i].result;
      if (slots_[i].key == kEmpty) return nullptr;
    }
  }

 private:
  static constexpr uint64_t kEmpty = ~uint64_t{0};
  struct Slot {
    uint64_t key = kEmpty;
    MergeResult result{};
  };
  static uint64_t pack(int32_t l, int32_t r) { return (uint64_t(uint32_t(l)) << 32) | uint32_t(r); }
  static size_t hash(uint64_t key) {  // splitmix64's finaliser
    key = (key ^ (key >> 30)) * 0xBF58476D1CE4E5B9ull;
    key = (key ^ (key >> 27)) * 0x94D049BB133111EBull;
    return static_cast<size_t>(key ^ (key >> 31));
  }
  void rehash(size_t capacity);

  std::vector<Slot> slots_;
  size_t mask_ = 0;
  size_t count_ = 0;
};

}  // namespace attnviz::tok
