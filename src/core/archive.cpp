#include "attnviz/archive.h"

#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <vector>

#include "attnviz/error.h"

namespace attnviz {
namespace {

constexpr uint32_t kEndOfCentralDirectory = 0x06054b50;
constexpr uint32_t kZip64EndLocator = 0x07064b50;
constexpr uint32_t kZip64End = 0x06064b50;
constexpr uint32_t kCentralEntry = 0x02014b50;
constexpr uint32_t kLocalHeader = 0x04034b50;
constexpr uint32_t kZip64Field = 0x0001;
constexpr size_t kEndRecordSize = 22;
constexpr size_t kMaxComment = 0xFFFF;

uint16_t u16(const unsigned char* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }
uint32_t u32(const unsigned char* p) { return u16(p) | (static_cast<uint32_t>(u16(p + 2)) << 16); }
uint64_t u64(const unsigned char* p) { return u32(p) | (static_cast<uint64_t>(u32(p + 4)) << 32); }

uint32_t crc32(const std::string& data) {
  static const auto table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  uint32_t c = 0xFFFFFFFFu;
  for (unsigned char b : data) c = table[(c ^ b) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

class ZipFile {
 public:
  explicit ZipFile(const std::string& path) : path_(path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) fail_model(path_, std::string("cannot be read: ") + std::strerror(errno));
    if (!S_ISREG(st.st_mode)) fail_model(path_, "is not a regular file");
    in_.open(path, std::ios::binary);
    if (!in_) fail_model(path_, "cannot be read");
    size_ = static_cast<uint64_t>(st.st_size);
  }

  std::vector<unsigned char> read(uint64_t offset, uint64_t length) {
    if (offset > size_ || length > size_ - offset) broken("a record lies past the end of the file");
    std::vector<unsigned char> buffer(length);
    in_.seekg(static_cast<std::streamoff>(offset));
    if (!in_.read(reinterpret_cast<char*>(buffer.data()), static_cast<std::streamsize>(length))) {
      fail_model(path_, "cannot be read");
    }
    return buffer;
  }

  struct Directory {
    uint64_t offset = 0, size = 0, entries = 0;
  };

  // The end-of-central-directory record is last, after an optional comment; zip64
  // archives add a locator just before it pointing at a 64-bit version.
  Directory directory() {
    if (size_ < kEndRecordSize) broken("too short to be a zip archive (a TorchScript model is one)");
    const uint64_t tail_length = std::min<uint64_t>(size_, kEndRecordSize + kMaxComment);
    const uint64_t tail_start = size_ - tail_length;
    const auto tail = read(tail_start, tail_length);
    for (size_t i = tail.size() - kEndRecordSize + 1; i-- > 0;) {
      if (u32(&tail[i]) != kEndOfCentralDirectory) continue;
      const unsigned char* end = &tail[i];
      Directory d{u32(end + 16), u32(end + 12), u16(end + 10)};
      const uint64_t end_offset = tail_start + i;
      if (end_offset >= 20) {
        const auto locator = read(end_offset - 20, 20);
        if (u32(locator.data()) == kZip64EndLocator) {
          const auto end64 = read(u64(&locator[8]), 56);
          if (u32(end64.data()) != kZip64End) broken("the zip64 end record is missing");
          d = {u64(&end64[48]), u64(&end64[40]), u64(&end64[32])};
        }
      }
      return d;
    }
    broken("no end-of-central-directory record: not a zip archive (a TorchScript model is one)");
  }

  [[noreturn]] void broken(const std::string& problem) { fail_model(path_, problem); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::ifstream in_;
  uint64_t size_ = 0;
};

struct Entry {
  std::string name;
  uint16_t method = 0;
  uint32_t crc = 0;
  uint64_t compressed_size = 0, size = 0, local_offset = 0;
};

// Each central-directory entry: 46 fixed bytes, then name, extra field and comment.
// Sizes and offsets that do not fit 32 bits are 0xFFFFFFFF, with the real values in
// the zip64 extra field, in this order and only those that overflowed.
std::vector<Entry> read_entries(ZipFile& zip, const ZipFile::Directory& dir) {
  constexpr uint64_t kMaxDirectory = uint64_t{1} << 28;  // ~2 million entries; real models have thousands
  if (dir.size > kMaxDirectory) zip.broken("the zip central directory is implausibly large");
  const auto data = zip.read(dir.offset, dir.size);
  std::vector<Entry> entries;
  size_t pos = 0;
  for (uint64_t n = 0; n < dir.entries; ++n) {
    if (pos + 46 > data.size() || u32(&data[pos]) != kCentralEntry) zip.broken("the zip central directory is damaged");
    const unsigned char* h = &data[pos];
    const size_t name_length = u16(h + 28), extra_length = u16(h + 30), comment_length = u16(h + 32);
    if (pos + 46 + name_length + extra_length + comment_length > data.size()) zip.broken("the zip central directory is damaged");
    Entry e;
    e.method = u16(h + 10);
    e.crc = u32(h + 16);
    e.compressed_size = u32(h + 20);
    e.size = u32(h + 24);
    e.local_offset = u32(h + 42);
    e.name.assign(reinterpret_cast<const char*>(h + 46), name_length);
    const unsigned char* extra = h + 46 + name_length;
    for (size_t x = 0; x + 4 <= extra_length;) {
      const uint16_t id = u16(extra + x), length = u16(extra + x + 2);
      if (x + 4 + length > extra_length) break;
      if (id == kZip64Field) {
        const unsigned char* field = extra + x + 4;
        size_t used = 0;
        for (uint64_t* value : {&e.size, &e.compressed_size, &e.local_offset}) {
          if (*value != 0xFFFFFFFFu) continue;
          if (used + 8 > length) zip.broken("a zip64 field is too short");
          *value = u64(field + used);
          used += 8;
        }
      }
      x += 4 + length;
    }
    entries.push_back(std::move(e));
    pos += 46 + name_length + extra_length + comment_length;
  }
  return entries;
}

// PyTorch writes "<archive>/extra/<name>", where <archive> is the first path component.
bool is_extra_file(const std::string& entry, const std::string& name) {
  const auto slash = entry.find('/');
  return slash != std::string::npos && entry.compare(slash, std::string::npos, "/extra/" + name) == 0;
}

}  // namespace

std::optional<std::string> read_archive_extra_file(const std::string& path, const std::string& name) {
  ZipFile zip(path);
  const auto entries = read_entries(zip, zip.directory());
  for (const Entry& e : entries) {
    if (!is_extra_file(e.name, name)) continue;
    if (e.method != 0) {
      zip.broken(e.name + " is compressed (zip method " + std::to_string(e.method) +
                 "); only stored entries are read, as torch.jit.save writes extra files");
    }
    if (e.compressed_size != e.size) zip.broken(e.name + ": stored and recorded sizes differ");
    const auto local = zip.read(e.local_offset, 30);
    if (u32(local.data()) != kLocalHeader) zip.broken(e.name + ": the local zip header is missing");
    const uint64_t data_offset = e.local_offset + 30 + u16(&local[26]) + u16(&local[28]);
    const auto bytes = zip.read(data_offset, e.size);
    std::string content(bytes.begin(), bytes.end());
    if (crc32(content) != e.crc) zip.broken(e.name + " is damaged (CRC mismatch)");
    return content;
  }
  return std::nullopt;
}

}  // namespace attnviz
