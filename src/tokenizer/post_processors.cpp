#include "post_processors.h"

#include <map>

#include "spec_fields.h"

namespace attnviz::tok {
namespace {

class Template final : public PostProcessor {
 public:
  Template(std::vector<int32_t> before, std::vector<int32_t> after) : before_(std::move(before)), after_(std::move(after)) {}
  void add_special_tokens(std::vector<int32_t>& ids) const override {
    ids.insert(ids.begin(), before_.begin(), before_.end());
    ids.insert(ids.end(), after_.begin(), after_.end());
  }
  std::vector<int32_t> ids_before() const override { return before_; }
  std::vector<int32_t> ids_after() const override { return after_; }

 private:
  std::vector<int32_t> before_, after_;
};

class NoIdChange final : public PostProcessor {
 public:
  void add_special_tokens(std::vector<int32_t>&) const override {}
};

class PostProcessorSequence final : public PostProcessor {
 public:
  explicit PostProcessorSequence(std::vector<std::unique_ptr<PostProcessor>> steps) : steps_(std::move(steps)) {}
  void add_special_tokens(std::vector<int32_t>& ids) const override {
    for (const auto& step : steps_) step->add_special_tokens(ids);
  }
  std::vector<int32_t> ids_before() const override {
    std::vector<int32_t> out;  // a later step's tokens end up outermost
    for (const auto& step : steps_) {
      auto ids = step->ids_before();
      out.insert(out.begin(), ids.begin(), ids.end());
    }
    return out;
  }
  std::vector<int32_t> ids_after() const override {
    std::vector<int32_t> out;
    for (const auto& step : steps_) {
      auto ids = step->ids_after();
      out.insert(out.end(), ids.begin(), ids.end());
    }
    return out;
  }

 private:
  std::vector<std::unique_ptr<PostProcessor>> steps_;
};

std::unique_ptr<PostProcessor> make_template(const SpecFields& f) {
  // "special_tokens": {"<s>": {"id": "<s>", "ids": [1], "tokens": ["<s>"]}, ...}
  std::map<std::string, std::vector<int32_t>> special;
  const auto& specials = f.spec().contains("special_tokens") ? f.spec().at("special_tokens") : nlohmann::json::object();
  if (!specials.is_object()) f.invalid("\"special_tokens\" is not an object");
  for (const auto& [name, entry] : specials.items()) {
    const auto ids = entry.find("ids");
    if (!entry.is_object() || ids == entry.end() || !ids->is_array()) f.invalid("special token " + name + " has no \"ids\" list");
    for (const auto& id : *ids) {
      if (!id.is_number_unsigned() || id.get<uint64_t>() > INT32_MAX) f.invalid("special token " + name + " has a bad id");
      special[name].push_back(id.get<int32_t>());
    }
  }
  const auto& single = f.required("single");
  if (!single.is_array()) f.invalid("\"single\" is not a list of pieces (the string form is not supported)");
  std::vector<int32_t> before, after;
  bool seen_text = false;
  for (const auto& piece : single) {
    if (piece.contains("Sequence")) {
      const auto& seq = piece.at("Sequence");
      if (seen_text || !seq.is_object() || seq.value("id", "") != "A") f.invalid("the single template must hold $A once");
      seen_text = true;
    } else if (piece.contains("SpecialToken")) {
      const auto& token = piece.at("SpecialToken");
      const std::string name = token.is_object() ? token.value("id", "") : "";
      const auto it = special.find(name);
      if (it == special.end()) f.invalid("the template uses " + name + ", which \"special_tokens\" does not define");
      auto& side = seen_text ? after : before;
      side.insert(side.end(), it->second.begin(), it->second.end());
    } else {
      f.invalid("a template piece is neither Sequence nor SpecialToken");
    }
  }
  if (!seen_text) f.invalid("the single template has no $A");
  return std::make_unique<Template>(std::move(before), std::move(after));
}

}  // namespace

std::unique_ptr<PostProcessor> make_post_processor(const nlohmann::json& spec, const std::string& source) {
  if (spec.is_null()) return nullptr;
  const SpecFields f(spec, "post_processor", source);
  if (f.type() == "TemplateProcessing") return make_template(f);
  if (f.type() == "ByteLevel") return std::make_unique<NoIdChange>();
  if (f.type() == "Sequence") {
    // A second template would see the first one's output as a pair of sequences.
    int templates = 0;
    for (const auto& step : f.required("processors")) {
      if (step.is_object() && step.value("type", "") == "TemplateProcessing" && ++templates > 1) {
        f.invalid("more than one TemplateProcessing is not supported");
      }
    }
    auto steps = f.steps("processors", make_post_processor);
    return std::make_unique<PostProcessorSequence>(std::move(steps));
  }
  f.unsupported();
}

}  // namespace attnviz::tok
