// What a model is fed besides the image: its tokenizer, and inputs to probe it with.
#include "attnviz/error.h"
#include "attnviz/hf_tokenizer.h"
#include "attnviz/pipeline.h"
#include "attnviz/tokenizer.h"

namespace attnviz {
namespace {

// A tokenizer.json whose BOS or EOS the metadata names differently (a chat model that
// ends its turns with <|im_end|>, say).
class SpecialsFromMetadata : public TextTokenizer {
 public:
  SpecialsFromMetadata(std::unique_ptr<HfTokenizer> inner, const TokenizerSpec& spec, const std::string& source)
      : inner_(std::move(inner)), bos_(inner_->bos()), eos_(inner_->eos()) {
    auto id = [&](const std::string& token, const char* what) {
      auto found = inner_->token_id(token);
      if (!found) fail_model(source, std::string(kMetadataFile) + ": tokenizer." + what + " '" + token + "' is not a token of tokenizer.json");
      return found;
    };
    if (!spec.bos.empty()) bos_ = id(spec.bos, "bos");
    if (!spec.eos.empty()) eos_ = id(spec.eos, "eos");
  }
  std::vector<int64_t> encode(const std::string& text, bool add_special_tokens) const override {
    return inner_->encode(text, add_special_tokens);
  }
  std::string decode(const std::vector<int64_t>& ids, bool skip) const override { return inner_->decode(ids, skip); }
  std::string token(int64_t id) const override { return inner_->token(id); }
  std::string display_token(int64_t id) const override { return inner_->display_token(id); }
  int64_t vocab_size() const override { return inner_->vocab_size(); }
  std::optional<int64_t> bos() const override { return bos_; }
  std::optional<int64_t> eos() const override { return eos_; }

 private:
  std::unique_ptr<HfTokenizer> inner_;
  std::optional<int64_t> bos_, eos_;
};

}  // namespace

std::shared_ptr<const TextTokenizer> model_tokenizer(const Model& model, const std::string& file) {
  const auto& meta = model.metadata();
  const TokenizerSpec none;
  const TokenizerSpec& spec = meta && meta->tokenizer ? *meta->tokenizer : none;
  if (!file.empty()) return std::make_shared<SpecialsFromMetadata>(HfTokenizer::from_file(file), spec, model.path());
  if (meta && meta->tokenizer && spec.kind == TokenizerSpec::Kind::words)
    return std::make_shared<WordTokenizer>(spec);
  if (auto json = model.extra_file(kTokenizerFile))
    return std::make_shared<SpecialsFromMetadata>(
        HfTokenizer::from_json(*json, model.path() + ":" + kTokenizerFile), spec, model.path());
  if (meta && meta->tokenizer)  // "tokenizer.json" named, and none in the archive
    fail_model(model.path(), std::string(kMetadataFile) + ": tokenizer.type is tokenizer.json, and the archive has no " +
                                 kTokenizerFile);
  return nullptr;
}

ModelInputs probe_inputs(const Model& model, const AnalysisOptions& o, int image_h, int image_w) {
  const auto& meta = model.metadata();
  const Preprocess p = o.preprocess ? *o.preprocess : (meta ? meta->preprocess : Preprocess{});
  ModelInputs in;
  in.image.height = p.size ? (*p.size)[0] : image_h;
  in.image.width = p.size ? (*p.size)[1] : image_w;
  in.image.data.assign(static_cast<size_t>(3) * in.image.height * in.image.width, 0.0f);
  in.budget = o.budget;
  if (!model.takes("input_ids")) return in;
  if (o.input_ids) {
    in.input_ids = *o.input_ids;
  } else if (auto tok = o.tokenizer ? o.tokenizer : model_tokenizer(model)) {
    const std::string prompt = o.prompt ? *o.prompt : (meta ? meta->default_prompt : "");
    if (!prompt.empty()) in.input_ids = tok->encode(prompt);
  }
  return in;
}

}  // namespace attnviz
