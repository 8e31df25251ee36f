#pragma once
// NumPy .npy files (format 1.0, little-endian float32/int64), as bytes.
#include <cstdint>
#include <string>
#include <vector>

namespace attnviz {

std::string encode_npy_f32(const std::vector<int64_t>& shape, const float* data);

struct NpyArray {
  std::string dtype;  // "<f4", "<i8", ...
  std::vector<int64_t> shape;
  std::vector<float> f32;    // when dtype is <f4
  std::vector<int64_t> i64;  // when dtype is <i8
  int64_t size() const;
};

// Throws an input Error naming `source` when the bytes are not a supported .npy.
NpyArray decode_npy(const std::string& bytes, const std::string& source);
NpyArray read_npy(const std::string& path);

}  // namespace attnviz
