#include "json_events.h"

#include <charconv>
#include <cstring>

#include "attnviz/error.h"
#include "utf8.h"

namespace attnviz::tok {
namespace {

constexpr int kMaxDepth = 512;

class Reader {
 public:
  Reader(std::string_view text, JsonEvents& events, const std::string& source)
      : text_(text), events_(events), source_(source) {}

  void document() {
    skip_space();
    value(0);
    skip_space();
    if (pos_ != text_.size()) error("unexpected content after the JSON value");
  }

 private:
  [[noreturn]] void error(const std::string& problem) const {
    fail_model(source_, "not valid JSON at byte " + std::to_string(pos_) + ": " + problem);
  }

  void skip_space() {
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c != ' ' && c != '\n' && c != '\r' && c != '\t') break;
      ++pos_;
    }
  }

  char peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }

  void expect_word(std::string_view word) {
    if (text_.compare(pos_, word.size(), word) != 0) error("unexpected character");
    pos_ += word.size();
  }

  void value(int depth) {
    if (depth > kMaxDepth) error("nested more than " + std::to_string(kMaxDepth) + " levels deep");
    switch (peek()) {
      case '{': return object(depth);
      case '[': return array(depth);
      case '"':
        read_string(buffer_);
        return events_.string(buffer_);
      case 't': expect_word("true"); return events_.boolean(true);
      case 'f': expect_word("false"); return events_.boolean(false);
      case 'n': expect_word("null"); return events_.null();
      default:
        if (peek() == '-' || (peek() >= '0' && peek() <= '9')) return number();
        error(pos_ < text_.size() ? "unexpected character" : "unexpected end of input");
    }
  }

  // Just after '{' or '[': true (and past it) when the container closes at once.
  bool closes_at_once(char close) {
    ++pos_;
    skip_space();
    if (peek() != close) return false;
    ++pos_;
    return true;
  }

  // After an element: true (and past it) at the closing bracket, false after a comma.
  bool closes_after_element(char close) {
    skip_space();
    if (peek() == close) {
      ++pos_;
      return true;
    }
    if (peek() != ',') error(std::string("expected ',' or '") + close + "'");
    ++pos_;
    skip_space();
    return false;
  }

  void object(int depth) {
    events_.start_object();
    if (!closes_at_once('}')) {
      do {
        if (peek() != '"') error("expected a string key");
        read_string(buffer_);
        events_.key(buffer_);
        skip_space();
        if (peek() != ':') error("expected ':'");
        ++pos_;
        skip_space();
        value(depth + 1);
      } while (!closes_after_element('}'));
    }
    events_.end_object();
  }

  void array(int depth) {
    events_.start_array();
    if (!closes_at_once(']')) {
      do {
        value(depth + 1);
      } while (!closes_after_element(']'));
    }
    events_.end_array();
  }

  unsigned hex4() {
    if (pos_ + 4 > text_.size()) error("unexpected end of input in a \\u escape");
    unsigned v = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = text_[pos_++];
      v <<= 4;
      if (c >= '0' && c <= '9') v |= static_cast<unsigned>(c - '0');
      else if (c >= 'a' && c <= 'f') v |= static_cast<unsigned>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') v |= static_cast<unsigned>(c - 'A' + 10);
      else error("bad \\u escape");
    }
    return v;
  }

  // Plain runs are copied whole; only escapes are handled byte by byte.
  void read_string(std::string& out) {
    out.clear();
    ++pos_;  // the opening quote
    while (true) {
      const size_t start = pos_;
      while (pos_ < text_.size()) {
        const auto c = static_cast<unsigned char>(text_[pos_]);
        if (c == '"' || c == '\\' || c < 0x20) break;
        ++pos_;
      }
      const std::string_view run = text_.substr(start, pos_ - start);
      if (const auto bad = find_invalid_utf8(run)) {
        pos_ = start + *bad;
        error("invalid UTF-8 in a string");
      }
      out.append(run);
      if (pos_ >= text_.size()) error("unterminated string");
      const char c = text_[pos_];
      if (c == '"') {
        ++pos_;
        return;
      }
      if (c != '\\') error("control character in a string");
      ++pos_;
      const char e = peek();
      ++pos_;
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          unsigned cp = hex4();
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (text_.compare(pos_, 2, "\\u") != 0) error("a high surrogate without its low half");
            pos_ += 2;
            const unsigned low = hex4();
            if (low < 0xDC00 || low > 0xDFFF) error("a high surrogate without its low half");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            error("a low surrogate without its high half");
          }
          append_utf8(out, static_cast<char32_t>(cp));
          break;
        }
        default:
          --pos_;
          error("bad escape in a string");
      }
    }
  }

  void number() {
    const size_t start = pos_;
    auto digits = [&] {
      const size_t from = pos_;
      while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') ++pos_;
      return pos_ - from;
    };
    const bool negative = peek() == '-';
    if (negative) ++pos_;
    if (peek() == '0') {
      ++pos_;
    } else if (digits() == 0) {
      error("bad number");
    }
    bool integral = true;
    if (peek() == '.') {
      ++pos_;
      integral = false;
      if (digits() == 0) error("bad number");
    }
    if (peek() == 'e' || peek() == 'E') {
      ++pos_;
      integral = false;
      if (peek() == '+' || peek() == '-') ++pos_;
      if (digits() == 0) error("bad number");
    }
    const char* first = text_.data() + start;
    const char* last = text_.data() + pos_;
    if (integral && negative) {
      int64_t v = 0;
      if (std::from_chars(first, last, v).ec == std::errc()) return events_.integer(v);
    } else if (integral) {
      uint64_t v = 0;
      if (std::from_chars(first, last, v).ec == std::errc()) return events_.unsigned_integer(v);
    }
    double d = 0;  // also integers too large for 64 bits, as nlohmann does
    std::from_chars(first, last, d);
    events_.floating(d, std::string_view(first, static_cast<size_t>(last - first)));
  }

  std::string_view text_;
  JsonEvents& events_;
  const std::string& source_;
  size_t pos_ = 0;
  std::string buffer_;
};

}  // namespace

void read_json(std::string_view text, JsonEvents& events, const std::string& source) {
  Reader(text, events, source).document();
}

}  // namespace attnviz::tok
