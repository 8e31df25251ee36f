#pragma once
// The page's binary data: every matrix and the image, one after another in one byte
// string, deflated once and base64-encoded into the HTML. The JSON beside it records
// where each piece starts. Formats: docs/html.md ("The data it holds").
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace attnviz::html {

// Attention values are stored as codes on a log scale per slice: 0 is exactly 0, and
// 1..2^bits-1 span `decades` decades up to the slice's maximum.
struct LogCode {
  int bits = 16;     // 16: relative step 0.04% over 12 decades; 8: 5.6% over 6
  int decades = 12;
  constexpr int steps() const { return (1 << bits) - 2; }
};
inline constexpr LogCode kPreciseCode{16, 12};  // maps and unpooled matrices: values are read
inline constexpr LogCode kDrawnCode{8, 6};      // pooled matrices: drawn one pixel per cell

// A float as the double with the fewest digits that reads back as the same float, so the
// JSON holds "0.99823308", not the float's 17-digit double expansion.
double short_float(float value);

uint32_t log_code(float value, float slice_max, LogCode format);

class PageBlob {
 public:
  // Values of `shape` (row-major), scaled per slice of the last `slice_dims` dimensions
  // (2: per matrix, 1: per row); returns their JSON record {shape, slice_dims, max,
  // bits, decades, offset, length}. 16-bit codes are stored as a plane of high bytes,
  // then one of low bytes.
  nlohmann::json add_log(const std::vector<float>& values, const std::vector<int>& shape, int slice_dims,
                         LogCode code);
  // Raw bytes; returns {offset, length}.
  nlohmann::json add_bytes(const std::vector<uint8_t>& bytes);

  size_t size() const { return bytes_.size(); }
  std::string deflated_base64() const;  // zlib format at level 9: the same bytes give the same text

 private:
  std::vector<uint8_t> bytes_;
};

std::string base64(const std::string& bytes);

}  // namespace attnviz::html
