// HfTokenizer::from_json and from_file: tokenizer.json to the pipeline stages, refusing
// every setting that would make the ids differ from Hugging Face's.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "attnviz/error.h"
#include "hf_tokenizer_parts.h"
#include "spec_fields.h"
#include "tokenizer_json.h"

namespace attnviz {
namespace {

using nlohmann::json;

const json& member(const json& object, const char* key) {
  static const json null_value;
  const auto it = object.find(key);
  return it == object.end() ? null_value : *it;
}

// Padding to the longest of a batch of one changes nothing; every other setting of
// padding, and any truncation, would change the ids.
void check_no_length_changes(const json& doc, const std::string& source) {
  if (!member(doc, "truncation").is_null()) fail_model(source, "truncation is not supported (set it to null)");
  const json& padding = member(doc, "padding");
  if (padding.is_null()) return;
  const bool harmless = padding.is_object() && member(padding, "strategy") == "BatchLongest" &&
                        member(padding, "pad_to_multiple_of").is_null();
  if (!harmless) fail_model(source, "padding other than BatchLongest is not supported (set it to null)");
}

std::unique_ptr<tok::BpeModel> make_model(tok::TokenizerDocument& doc, const std::string& source) {
  const json& spec = member(doc.tree, "model");
  if (spec.is_null()) fail_model(source, "there is no \"model\"");
  const tok::SpecFields f(spec, "model", source);
  if (f.type() != "BPE") f.unsupported();
  const json& dropout = member(spec, "dropout");
  if (!dropout.is_null() && !(dropout.is_number() && dropout.get<double>() == 0.0)) {
    f.invalid("dropout must be null (random merges would make the ids vary)");
  }
  if (!doc.has_vocab) f.invalid("\"vocab\" is missing or not an object of token -> id");
  if (!doc.has_merges) f.invalid("\"merges\" is missing or not a list");
  tok::BpeSettings settings;
  settings.unk_token = f.optional_string("unk_token");
  settings.continuing_subword_prefix = f.optional_string("continuing_subword_prefix");
  settings.end_of_word_suffix = f.optional_string("end_of_word_suffix");
  settings.fuse_unk = f.boolean("fuse_unk", false);
  settings.byte_fallback = f.boolean("byte_fallback", false);
  settings.ignore_merges = f.boolean("ignore_merges", false);
  return std::make_unique<tok::BpeModel>(std::move(doc.vocab), doc.merges, std::move(settings), source);
}

std::vector<tok::AddedToken> read_added_tokens(const json& list, const std::string& source) {
  std::vector<tok::AddedToken> tokens;
  if (list.is_null()) return tokens;
  if (!list.is_array()) fail_model(source, "\"added_tokens\" is not a list");
  for (const json& entry : list) {
    const json& content = member(entry, "content");
    if (!content.is_string()) fail_model(source, "an entry of \"added_tokens\" has no \"content\" string");
    auto flag = [&](const char* key, bool fallback) {
      const json& v = member(entry, key);
      if (v.is_null()) return fallback;
      if (!v.is_boolean()) fail_model(source, "added token " + content.get<std::string>() + ": \"" + key + "\" is not true or false");
      return v.get<bool>();
    };
    tok::AddedToken t;
    t.content = content.get<std::string>();
    t.special = flag("special", false);
    t.single_word = flag("single_word", false);
    t.lstrip = flag("lstrip", false);
    t.rstrip = flag("rstrip", false);
    t.normalized = flag("normalized", !t.special);
    tokens.push_back(std::move(t));
  }
  return tokens;
}

std::optional<int64_t> choose_eos(const HfTokenizer::Parts& parts) {
  if (parts.post_processor) {
    const auto after = parts.post_processor->ids_after();
    if (!after.empty()) return after.front();
  }
  for (const char* name : {"<|im_end|>", "<end_of_turn>", "<|eot_id|>", "<|end|>", "</s>", "<|endoftext|>", "<eos>",
                           "<|end_of_text|>"}) {
    if (parts.added->is_special(name)) return parts.added->id_of(name);
  }
  return std::nullopt;
}

std::unique_ptr<HfTokenizer::Parts> load_parts(std::string_view text, const std::string& source) {
  tok::TokenizerDocument doc = tok::parse_tokenizer_json(text, source);
  if (!doc.tree.is_object()) fail_model(source, "is not a JSON object");
  const json& version = member(doc.tree, "version");
  if (!version.is_null() && version != "1.0") fail_model(source, "version " + version.dump() + " is not supported (1.0 is)");
  check_no_length_changes(doc.tree, source);

  auto parts = std::make_unique<HfTokenizer::Parts>();
  parts->source = source;
  parts->normalizer = tok::make_normalizer(member(doc.tree, "normalizer"), source);
  parts->pre_tokenizer = tok::make_pre_tokenizer(member(doc.tree, "pre_tokenizer"), source);
  parts->post_processor = tok::make_post_processor(member(doc.tree, "post_processor"), source);
  parts->decoder = tok::make_decoder(member(doc.tree, "decoder"), source);
  parts->model = make_model(doc, source);
  const tok::BpeModel& model = *parts->model;
  parts->added = std::make_unique<tok::AddedVocabulary>(
      read_added_tokens(member(doc.tree, "added_tokens"), source), model.vocab_size(),
      [&](const std::string& content) { return model.token_to_id(content); }, parts->normalizer.get());

  if (parts->post_processor) {
    const auto before = parts->post_processor->ids_before();
    if (!before.empty()) parts->bos = before.front();
  }
  parts->eos = choose_eos(*parts);
  return parts;
}

// The file mapped rather than copied: Gemma's 33 MB then cost no copy and no fresh pages.
class MappedFile {
 public:
  explicit MappedFile(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) fail_input(path, std::string("cannot be read: ") + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
      ::close(fd);
      fail_input(path, "is not a regular file");
    }
    size_ = static_cast<size_t>(st.st_size);
    if (size_ > 0) data_ = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
    ::close(fd);
    if (data_ == MAP_FAILED) fail_input(path, std::string("cannot be read: ") + std::strerror(errno));
  }
  ~MappedFile() {
    if (data_ && data_ != MAP_FAILED) ::munmap(data_, size_);
  }
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  std::string_view text() const { return data_ ? std::string_view(static_cast<const char*>(data_), size_) : std::string_view(); }

 private:
  void* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace

std::unique_ptr<HfTokenizer> HfTokenizer::from_json(const std::string& text, const std::string& source) {
  return std::unique_ptr<HfTokenizer>(new HfTokenizer(load_parts(text, source)));
}

std::unique_ptr<HfTokenizer> HfTokenizer::from_file(const std::string& path) {
  const MappedFile file(path);
  return std::unique_ptr<HfTokenizer>(new HfTokenizer(load_parts(file.text(), path)));
}

}  // namespace attnviz
