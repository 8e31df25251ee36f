#include "page_blob.h"

#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

namespace attnviz::html {

double short_float(float value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.9g", static_cast<double>(value));
  return std::strtod(text, nullptr);
}

uint32_t log_code(float value, float slice_max, LogCode format) {
  if (!(value > 0.0f) || !(slice_max > 0.0f)) return 0;
  const double t = std::log10(static_cast<double>(value) / slice_max) / format.decades + 1.0;
  // Positive values below the floor keep code 1, so only exact zeros (masked) read as 0.
  return 1 + static_cast<uint32_t>(std::lround(std::clamp(t, 0.0, 1.0) * format.steps()));
}

nlohmann::json PageBlob::add_log(const std::vector<float>& values, const std::vector<int>& shape, int slice_dims,
                                 LogCode format) {
  size_t n = 1, per_slice = 1;
  for (size_t d = 0; d < shape.size(); ++d) {
    n *= static_cast<size_t>(shape[d]);
    if (d + slice_dims >= shape.size()) per_slice *= static_cast<size_t>(shape[d]);
  }
  if (values.size() != n || per_slice == 0) throw std::logic_error("add_log: size does not match the shape");
  const size_t slices = n / per_slice;
  nlohmann::json maxima = nlohmann::json::array();
  std::vector<uint32_t> codes(n);
  for (size_t s = 0; s < slices; ++s) {
    const float* v = values.data() + s * per_slice;
    float peak = 0.0f;
    for (size_t i = 0; i < per_slice; ++i)
      if (v[i] > peak) peak = v[i];
    for (size_t i = 0; i < per_slice; ++i) codes[s * per_slice + i] = log_code(v[i], peak, format);
    maxima.push_back(short_float(peak));
  }
  const size_t offset = bytes_.size();
  const size_t bytes_per_code = format.bits / 8;
  bytes_.reserve(offset + bytes_per_code * n);
  // Byte planes: the high bytes of neighbouring values repeat, and deflate finds that.
  if (format.bits == 16)
    for (uint32_t c : codes) bytes_.push_back(static_cast<uint8_t>(c >> 8));
  for (uint32_t c : codes) bytes_.push_back(static_cast<uint8_t>(c & 0xff));
  return {{"shape", shape}, {"slice_dims", slice_dims}, {"max", maxima}, {"bits", format.bits},
          {"decades", format.decades}, {"offset", offset}, {"length", bytes_per_code * n}};
}

nlohmann::json PageBlob::add_bytes(const std::vector<uint8_t>& bytes) {
  const size_t offset = bytes_.size();
  bytes_.insert(bytes_.end(), bytes.begin(), bytes.end());
  return {{"offset", offset}, {"length", bytes.size()}};
}

std::string PageBlob::deflated_base64() const {
  uLongf bound = compressBound(static_cast<uLong>(bytes_.size()));
  std::string out(bound, '\0');
  int rc = compress2(reinterpret_cast<Bytef*>(out.data()), &bound, bytes_.data(), static_cast<uLong>(bytes_.size()), 9);
  if (rc != Z_OK) throw std::runtime_error("zlib compress2 failed (" + std::to_string(rc) + ")");
  out.resize(bound);
  return base64(out);
}

std::string base64(const std::string& bytes) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    uint32_t v = (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8) | uint8_t(bytes[i + 2]);
    for (int k = 18; k >= 0; k -= 6) out += kAlphabet[(v >> k) & 63];
  }
  const size_t rest = bytes.size() - i;
  if (rest > 0) {
    uint32_t v = uint8_t(bytes[i]) << 16;
    if (rest == 2) v |= uint8_t(bytes[i + 1]) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += rest == 2 ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

}  // namespace attnviz::html
