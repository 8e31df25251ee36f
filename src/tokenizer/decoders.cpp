#include "decoders.h"

#include "byte_level_alphabet.h"
#include "onig_regex.h"
#include "spec_fields.h"
#include "utf8.h"

namespace attnviz::tok {
namespace {

class ByteLevel final : public Decoder {
 public:
  std::vector<std::string> decode_chain(std::vector<std::string> tokens, bool keep_bytes) const override {
    std::string bytes;
    for (const std::string& t : tokens) {
      // A token with a character outside the alphabet (an added token) passes as written.
      if (auto b = from_byte_level(t)) bytes += *b;
      else bytes += t;
    }
    return {keep_bytes ? bytes : utf8_lossy(bytes)};
  }
};

class Replace final : public Decoder {
 public:
  Replace(Regex pattern, std::string content) : pattern_(std::move(pattern)), content_(std::move(content)) {}
  std::vector<std::string> decode_chain(std::vector<std::string> tokens, bool) const override {
    for (std::string& t : tokens) {
      std::string out;
      for (const PatternPiece& p : pattern_.find_matches(t)) {
        if (p.is_match) out += content_;
        else out.append(t, p.start, p.end - p.start);
      }
      t = std::move(out);
    }
    return tokens;
  }

 private:
  Regex pattern_;
  std::string content_;
};

// "<0x41>" -> 0x41 the way Rust's u8::from_str_radix reads the two characters (which
// allows a leading '+').
std::optional<unsigned char> byte_token_value(const std::string& t) {
  if (t.size() != 6 || t.compare(0, 3, "<0x") != 0 || t[5] != '>') return std::nullopt;
  auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  if (t[3] == '+') {
    const int d = digit(t[4]);
    if (d < 0) return std::nullopt;
    return static_cast<unsigned char>(d);
  }
  const int hi = digit(t[3]), lo = digit(t[4]);
  if (hi < 0 || lo < 0) return std::nullopt;
  return static_cast<unsigned char>(hi * 16 + lo);
}

class ByteFallback final : public Decoder {
 public:
  std::vector<std::string> decode_chain(std::vector<std::string> tokens, bool keep_bytes) const override {
    std::vector<std::string> out;
    std::string pending;  // consecutive byte tokens
    auto flush = [&] {
      if (pending.empty()) return;
      if (keep_bytes || !find_invalid_utf8(pending)) {
        out.push_back(pending);
      } else {
        // Not text as a whole: one U+FFFD per byte, as Hugging Face does.
        for (size_t i = 0; i < pending.size(); ++i) out.emplace_back(kReplacementChar);
      }
      pending.clear();
    };
    for (std::string& t : tokens) {
      if (auto b = byte_token_value(t)) {
        pending += static_cast<char>(*b);
        continue;
      }
      flush();
      out.push_back(std::move(t));
    }
    flush();
    return out;
  }
};

class Fuse final : public Decoder {
 public:
  std::vector<std::string> decode_chain(std::vector<std::string> tokens, bool) const override {
    std::string all;
    for (const std::string& t : tokens) all += t;
    return {all};
  }
};

// Removes up to `start` leading and `stop` trailing copies of one character from each token.
class Strip final : public Decoder {
 public:
  Strip(std::string content, size_t start, size_t stop) : content_(std::move(content)), start_(start), stop_(stop) {}
  std::vector<std::string> decode_chain(std::vector<std::string> tokens, bool keep_bytes) const override {
    if (keep_bytes) return tokens;
    for (std::string& t : tokens) {
      size_t begin = 0, end = t.size();
      for (size_t i = 0; i < start_ && begin < end && t.compare(begin, content_.size(), content_) == 0; ++i) {
        begin += content_.size();
      }
      for (size_t i = 0; i < stop_ && end >= begin + content_.size() &&
                         t.compare(end - content_.size(), content_.size(), content_) == 0;
           ++i) {
        end -= content_.size();
      }
      t = t.substr(begin, end - begin);
    }
    return tokens;
  }

 private:
  std::string content_;
  size_t start_, stop_;
};

class Metaspace final : public Decoder {
 public:
  Metaspace(std::string replacement, bool drop_first) : replacement_(std::move(replacement)), drop_first_(drop_first) {}
  std::vector<std::string> decode_chain(std::vector<std::string> tokens, bool keep_bytes) const override {
    for (size_t i = 0; i < tokens.size(); ++i) {
      // Every marker of the first token goes (Hugging Face's prepend-scheme handling).
      const std::string with = (i == 0 && drop_first_ && !keep_bytes) ? "" : " ";
      std::string out;
      size_t pos = 0;
      for (size_t hit; (hit = tokens[i].find(replacement_, pos)) != std::string::npos; pos = hit + replacement_.size()) {
        out.append(tokens[i], pos, hit - pos);
        out += with;
      }
      out.append(tokens[i], pos, std::string::npos);
      tokens[i] = std::move(out);
    }
    return tokens;
  }

 private:
  std::string replacement_;
  bool drop_first_;
};

class DecoderSequence final : public Decoder {
 public:
  explicit DecoderSequence(std::vector<std::unique_ptr<Decoder>> steps) : steps_(std::move(steps)) {}
  std::vector<std::string> decode_chain(std::vector<std::string> tokens, bool keep_bytes) const override {
    for (const auto& step : steps_) tokens = step->decode_chain(std::move(tokens), keep_bytes);
    return tokens;
  }

 private:
  std::vector<std::unique_ptr<Decoder>> steps_;
};

}  // namespace

std::unique_ptr<Decoder> make_decoder(const nlohmann::json& spec, const std::string& source) {
  if (spec.is_null()) return nullptr;
  const SpecFields f(spec, "decoder", source);
  if (f.type() == "ByteLevel") return std::make_unique<ByteLevel>();
  if (f.type() == "Replace") return std::make_unique<Replace>(f.pattern("pattern"), f.string("content"));
  if (f.type() == "ByteFallback") return std::make_unique<ByteFallback>();
  if (f.type() == "Fuse") return std::make_unique<Fuse>();
  if (f.type() == "Strip") return std::make_unique<Strip>(f.one_character("content"), f.count("start"), f.count("stop"));
  if (f.type() == "Metaspace") {
    return std::make_unique<Metaspace>(f.one_character("replacement"), f.prepend_scheme() != "never");
  }
  if (f.type() == "Sequence") {
    return std::make_unique<DecoderSequence>(f.steps("decoders", make_decoder));
  }
  f.unsupported();
}

}  // namespace attnviz::tok
