#include "tokenizer_json.h"

#include <vector>

#include "attnviz/error.h"
#include "json_events.h"

namespace attnviz::tok {
namespace {

using json = nlohmann::json;

class DocumentBuilder final : public JsonEvents {
 public:
  DocumentBuilder(TokenizerDocument& doc, std::string source) : doc_(doc), source_(std::move(source)) {}

  void null() override { insert(nullptr); }
  void boolean(bool v) override { insert(v); }
  void integer(int64_t v) override {
    if (mode_ == Mode::vocab) bad_vocab_id(std::to_string(v));
    insert(v);
  }
  void unsigned_integer(uint64_t v) override {
    if (mode_ == Mode::vocab) {
      if (v > INT32_MAX) bad_vocab_id(std::to_string(v));
      doc_.vocab.insert(key_, static_cast<int32_t>(v));
      return;
    }
    insert(v);
  }
  void floating(double v, std::string_view written) override {
    if (mode_ == Mode::vocab) bad_vocab_id(std::string(written));
    insert(v);
  }
  void string(std::string& v) override {
    if (mode_ == Mode::vocab) bad_vocab_id("\"" + v + "\"");
    if (mode_ == Mode::merges) return add_legacy_merge(v);
    if (mode_ == Mode::merge_pair) {
      pair_.push_back(std::move(v));
      return;
    }
    insert(std::move(v));
  }

  void start_object() override {
    if (mode_ != Mode::tree) bad_shape();
    if (in_model() && key_ == "vocab") {
      mode_ = Mode::vocab;
      doc_.has_vocab = true;
      return;
    }
    const bool is_model = stack_.size() == 1 && key_ == "model";
    json* node = insert(json::object());
    stack_.push_back(node);
    if (is_model) model_ = node;
  }
  void key(std::string& k) override { key_.swap(k); }
  void end_object() override {
    if (mode_ == Mode::vocab) {
      mode_ = Mode::tree;
      return;
    }
    stack_.pop_back();
  }
  void start_array() override {
    if (mode_ == Mode::vocab || mode_ == Mode::merge_pair) bad_shape();
    if (mode_ == Mode::merges) {
      mode_ = Mode::merge_pair;
      pair_.clear();
      return;
    }
    if (in_model() && key_ == "merges") {
      mode_ = Mode::merges;
      doc_.has_merges = true;
      return;
    }
    stack_.push_back(insert(json::array()));
  }
  void end_array() override {
    if (mode_ == Mode::merge_pair) {
      if (pair_.size() != 2) bad_merge();
      doc_.merges.add(pair_[0], pair_[1]);
      mode_ = Mode::merges;
      return;
    }
    if (mode_ == Mode::merges) {
      mode_ = Mode::tree;
      return;
    }
    stack_.pop_back();
  }

 private:
  enum class Mode { tree, vocab, merges, merge_pair };

  bool in_model() const { return model_ && stack_.size() == 2 && stack_.back() == model_; }

  // Places a finished value in the tree; returns where it went.
  json* insert(json v) {
    if (mode_ != Mode::tree) bad_shape();
    if (stack_.empty()) {
      doc_.tree = std::move(v);
      return &doc_.tree;
    }
    json& parent = *stack_.back();
    if (parent.is_array()) {
      parent.push_back(std::move(v));
      return &parent.back();
    }
    json& slot = parent[key_];
    slot = std::move(v);
    return &slot;
  }

  // The older form, one "left right" string per merge.
  void add_legacy_merge(const std::string& line) {
    const auto space = line.find(' ');
    if (space == std::string::npos || line.find(' ', space + 1) != std::string::npos) bad_merge();
    const std::string_view text(line);
    doc_.merges.add(text.substr(0, space), text.substr(space + 1));
  }

  [[noreturn]] void bad_vocab_id(const std::string& v) {
    fail_model(source_, "model.vocab: the id of " + key_ + " is " + v + ", not a non-negative 32-bit integer");
  }
  [[noreturn]] void bad_merge() {
    fail_model(source_, "model.merges entry " + std::to_string(doc_.merges.size() + 1) +
                            " is neither \"left right\" nor [left, right]");
  }
  [[noreturn]] void bad_shape() {
    if (mode_ == Mode::vocab) fail_model(source_, "model.vocab is not an object of token -> id");
    bad_merge();
  }

  TokenizerDocument& doc_;
  std::string source_;
  std::vector<json*> stack_;
  json* model_ = nullptr;
  std::string key_;
  Mode mode_ = Mode::tree;
  std::vector<std::string> pair_;
};

}  // namespace

TokenizerDocument parse_tokenizer_json(std::string_view text, const std::string& source) {
  TokenizerDocument doc;
  DocumentBuilder builder(doc, source);
  read_json(text, builder, source);
  return doc;
}

}  // namespace attnviz::tok
