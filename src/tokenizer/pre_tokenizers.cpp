#include "pre_tokenizers.h"

#include "byte_level_alphabet.h"
#include "spec_fields.h"

namespace attnviz::tok {
namespace {

// GPT-2's split, which ByteLevel applies when "use_regex" is true.
constexpr const char* kGpt2Split = R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

SplitBehavior parse_behavior(const SpecFields& f) {
  const std::string name = f.string("behavior");
  if (name == "Removed") return SplitBehavior::removed;
  if (name == "Isolated") return SplitBehavior::isolated;
  if (name == "MergedWithPrevious") return SplitBehavior::merged_with_previous;
  if (name == "MergedWithNext") return SplitBehavior::merged_with_next;
  if (name == "Contiguous") return SplitBehavior::contiguous;
  f.invalid("behavior " + name + " is not one of Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous");
}

class Split final : public PreTokenizer {
 public:
  Split(Regex pattern, SplitBehavior behavior, bool invert)
      : pattern_(std::move(pattern)), behavior_(behavior), invert_(invert) {}
  void pre_tokenize(std::vector<Piece>& pieces) const override {
    cut_text_pieces(pieces, [&](Piece&& p) { return split_piece(p, pattern_.find_matches(p.text), behavior_, invert_); });
  }

 private:
  Regex pattern_;
  SplitBehavior behavior_;
  bool invert_;
};

class ByteLevel final : public PreTokenizer {
 public:
  ByteLevel(bool add_prefix_space, bool use_regex, const std::string& source)
      : add_prefix_space_(add_prefix_space),
        split_(use_regex ? std::make_unique<Regex>(kGpt2Split, false, source + ": pre_tokenizer ByteLevel") : nullptr) {}
  void pre_tokenize(std::vector<Piece>& pieces) const override {
    cut_text_pieces(pieces, [&](Piece&& p) {
      // Every text piece, not only the first, gets the space (tokenizers 0.22).
      if (add_prefix_space_ && p.text[0] != ' ') p.text.insert(0, " ");
      std::vector<Piece> parts;
      if (split_) parts = split_piece(p, split_->find_matches(p.text), SplitBehavior::isolated);
      else parts.push_back(std::move(p));
      for (Piece& part : parts) part.text = to_byte_level(part.text);
      return parts;
    });
  }

 private:
  bool add_prefix_space_;
  std::unique_ptr<Regex> split_;
};

class Metaspace final : public PreTokenizer {
 public:
  enum class Prepend { always, first, never };
  Metaspace(std::string replacement, Prepend prepend, bool split, const std::string& source)
      : replacement_(std::move(replacement)),
        space_(" ", true, source + ": pre_tokenizer Metaspace"),
        marker_(replacement_, true, source + ": pre_tokenizer Metaspace"),
        prepend_(prepend),
        split_(split) {}
  void pre_tokenize(std::vector<Piece>& pieces) const override {
    cut_text_pieces(pieces, [&](Piece&& p) {
      std::string text;
      for (const PatternPiece& m : space_.find_matches(p.text)) {
        if (m.is_match) text += replacement_;
        else text.append(p.text, m.start, m.end - m.start);
      }
      const bool starts_with_marker = text.compare(0, replacement_.size(), replacement_) == 0;
      if (!starts_with_marker && (prepend_ == Prepend::always || (prepend_ == Prepend::first && p.at_origin))) {
        text.insert(0, replacement_);
      }
      p.text = std::move(text);
      if (!split_) return std::vector<Piece>{std::move(p)};
      return split_piece(p, marker_.find_matches(p.text), SplitBehavior::merged_with_next);
    });
  }

 private:
  std::string replacement_;
  Regex space_, marker_;
  Prepend prepend_;
  bool split_;
};

std::unique_ptr<PreTokenizer> make_metaspace(const SpecFields& f, const std::string& source) {
  const std::string scheme = f.prepend_scheme();
  const auto prepend = scheme == "first" ? Metaspace::Prepend::first
                       : scheme == "never" ? Metaspace::Prepend::never
                                           : Metaspace::Prepend::always;
  return std::make_unique<Metaspace>(f.one_character("replacement"), prepend, f.boolean("split", true), source);
}

class PreTokenizerSequence final : public PreTokenizer {
 public:
  explicit PreTokenizerSequence(std::vector<std::unique_ptr<PreTokenizer>> steps) : steps_(std::move(steps)) {}
  void pre_tokenize(std::vector<Piece>& pieces) const override {
    for (const auto& step : steps_) step->pre_tokenize(pieces);
  }

 private:
  std::vector<std::unique_ptr<PreTokenizer>> steps_;
};

}  // namespace

std::unique_ptr<PreTokenizer> make_pre_tokenizer(const nlohmann::json& spec, const std::string& source) {
  if (spec.is_null()) return nullptr;
  const SpecFields f(spec, "pre_tokenizer", source);
  if (f.type() == "Split") return std::make_unique<Split>(f.pattern("pattern"), parse_behavior(f), f.boolean("invert", false));
  if (f.type() == "ByteLevel") {
    return std::make_unique<ByteLevel>(f.boolean("add_prefix_space", true), f.boolean("use_regex", true), source);
  }
  if (f.type() == "Metaspace") return make_metaspace(f, source);
  if (f.type() == "Sequence") {
    return std::make_unique<PreTokenizerSequence>(f.steps("pretokenizers", make_pre_tokenizer));
  }
  f.unsupported();
}

}  // namespace attnviz::tok
