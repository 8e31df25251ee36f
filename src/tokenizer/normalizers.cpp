#include "normalizers.h"

#include <vector>

#include "spec_fields.h"
#include "unicode_props.h"

namespace attnviz::tok {
namespace {

class Nfc final : public Normalizer {
 public:
  void normalize(std::string& text) const override { text = to_nfc(text); }
};

class Prepend final : public Normalizer {
 public:
  explicit Prepend(std::string prefix) : prefix_(std::move(prefix)) {}
  void normalize(std::string& text) const override {
    if (!text.empty()) text.insert(0, prefix_);
  }

 private:
  std::string prefix_;
};

class Replace final : public Normalizer {
 public:
  Replace(Regex pattern, std::string content) : pattern_(std::move(pattern)), content_(std::move(content)) {}
  void normalize(std::string& text) const override {
    std::string out;
    out.reserve(text.size());
    for (const PatternPiece& p : pattern_.find_matches(text)) {
      if (p.is_match) out += content_;
      else out.append(text, p.start, p.end - p.start);
    }
    text = std::move(out);
  }

 private:
  Regex pattern_;
  std::string content_;
};

class NormalizerSequence final : public Normalizer {
 public:
  explicit NormalizerSequence(std::vector<std::unique_ptr<Normalizer>> steps) : steps_(std::move(steps)) {}
  void normalize(std::string& text) const override {
    for (const auto& step : steps_) step->normalize(text);
  }

 private:
  std::vector<std::unique_ptr<Normalizer>> steps_;
};

}  // namespace

std::unique_ptr<Normalizer> make_normalizer(const nlohmann::json& spec, const std::string& source) {
  if (spec.is_null()) return nullptr;
  const SpecFields f(spec, "normalizer", source);
  if (f.type() == "NFC") return std::make_unique<Nfc>();
  if (f.type() == "Prepend") return std::make_unique<Prepend>(f.string("prepend"));
  if (f.type() == "Replace") return std::make_unique<Replace>(f.pattern("pattern"), f.string("content"));
  if (f.type() == "Sequence") {
    return std::make_unique<NormalizerSequence>(f.steps("normalizers", make_normalizer));
  }
  f.unsupported();
}

}  // namespace attnviz::tok
