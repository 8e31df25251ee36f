#include "attnviz/npy.h"

#include <cstring>

#include "attnviz/atomic_file.h"
#include "attnviz/error.h"

namespace attnviz {

std::string encode_npy_f32(const std::vector<int64_t>& shape, const float* data) {
  std::string dims;
  int64_t count = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    dims += std::to_string(shape[i]) + (shape.size() == 1 || i + 1 < shape.size() ? "," : "");
    if (i + 1 < shape.size()) dims += " ";
    count *= shape[i];
  }
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + dims + "), }";
  // Magic (6) + version (2) + length (2) + header + '\n' is padded to a multiple of 64.
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::string out("\x93NUMPY\x01\x00", 8);
  uint16_t len = static_cast<uint16_t>(header.size());
  out += static_cast<char>(len & 0xff);
  out += static_cast<char>(len >> 8);
  out += header;
  out.append(reinterpret_cast<const char*>(data), static_cast<size_t>(count) * sizeof(float));
  return out;
}

int64_t NpyArray::size() const {
  int64_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

NpyArray decode_npy(const std::string& bytes, const std::string& source) {
  auto bad = [&](const std::string& why) { fail_input(source, "not a supported .npy file: " + why); };
  if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0) bad("no NumPy magic");
  int major = static_cast<unsigned char>(bytes[6]);
  size_t header_len, start;
  if (major == 1) {
    header_len = static_cast<unsigned char>(bytes[8]) | (static_cast<unsigned char>(bytes[9]) << 8);
    start = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) bad("truncated header");
    header_len = 0;
    for (int i = 0; i < 4; ++i) header_len |= size_t(static_cast<unsigned char>(bytes[8 + i])) << (8 * i);
    start = 12;
  } else {
    bad("version " + std::to_string(major));
  }
  if (start + header_len > bytes.size()) bad("truncated header");
  std::string header = bytes.substr(start, header_len);
  NpyArray a;
  auto descr = header.find("'descr':");
  if (descr == std::string::npos) bad("no descr");
  auto q1 = header.find('\'', descr + 8);
  auto q2 = q1 == std::string::npos ? q1 : header.find('\'', q1 + 1);
  if (q2 == std::string::npos) bad("bad descr");
  a.dtype = header.substr(q1 + 1, q2 - q1 - 1);
  if (header.find("'fortran_order': True") != std::string::npos) bad("Fortran order");
  auto sp = header.find("'shape':");
  auto open = sp == std::string::npos ? sp : header.find('(', sp);
  auto close = open == std::string::npos ? open : header.find(')', open);
  if (close == std::string::npos) bad("no shape");
  std::string dims = header.substr(open + 1, close - open - 1);
  size_t pos = 0;
  while (pos < dims.size()) {
    while (pos < dims.size() && (dims[pos] == ' ' || dims[pos] == ',')) ++pos;
    if (pos >= dims.size()) break;
    size_t used = 0;
    long long d = 0;
    try {
      d = std::stoll(dims.substr(pos), &used);
    } catch (const std::exception&) {
      bad("bad shape");
    }
    if (d < 0 || d > (1LL << 40)) bad("bad shape");
    a.shape.push_back(d);
    pos += used;
  }
  const size_t data_at = start + header_len;
  size_t item = a.dtype == "<f4" ? 4 : (a.dtype == "<i8" ? 8 : 0);
  if (!item) bad("dtype " + a.dtype + " (expected <f4 or <i8)");
  // The element count, without overflow: it can never exceed the bytes present.
  const size_t available = (bytes.size() - data_at) / item;
  size_t n = 1;
  for (auto d : a.shape) {
    if (d != 0 && n > available / static_cast<size_t>(d)) bad("data size does not match the shape");
    n *= static_cast<size_t>(d);
  }
  if (bytes.size() - data_at != n * item) bad("data size does not match the shape");
  if (item == 4) {
    a.f32.resize(n);
    if (n) std::memcpy(a.f32.data(), bytes.data() + data_at, n * 4);
  } else {
    a.i64.resize(n);
    if (n) std::memcpy(a.i64.data(), bytes.data() + data_at, n * 8);
  }
  return a;
}

NpyArray read_npy(const std::string& path) { return decode_npy(read_file(path), path); }

}  // namespace attnviz
