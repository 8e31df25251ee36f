#include "attnviz/metadata.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "attnviz/error.h"
#include "attnviz/strings.h"
#include "attnviz/site_names.h"
#include "attnviz/token_layout.h"

namespace attnviz {
namespace {

using nlohmann::json;

class Reader {
 public:
  explicit Reader(std::string source) : source_(std::move(source)) {}

  [[noreturn]] void bad(const std::string& where, const std::string& problem) const {
    fail_model(source_, std::string(kMetadataFile) + ": " + where + ": " + problem);
  }

  const json* child(const json& obj, const char* key, json::value_t type, const std::string& where) const {
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return nullptr;
    bool ok = it->type() == type ||
              (type == json::value_t::number_float && it->is_number()) ||
              (type == json::value_t::number_integer && it->is_number_integer());
    if (!ok) bad(where + "." + key, std::string("expected ") + type_name(type) + ", got " + it->type_name());
    return &*it;
  }

  int positive_int(const json& v, const std::string& where) const {
    if (!v.is_number_integer() || v.get<long long>() <= 0 || v.get<long long>() > 1'000'000)
      bad(where, "expected a positive integer");
    return v.get<int>();
  }

  int non_negative_int(const json& v, const std::string& where) const {
    if (!v.is_number_integer() || v.get<long long>() < 0 || v.get<long long>() > 100'000'000)
      bad(where, "expected a non-negative integer");
    return v.get<int>();
  }

  std::array<int, 2> pair(const json& v, const std::string& where) const {
    if (!v.is_array() || v.size() != 2) bad(where, "expected [h, w]");
    return {positive_int(v[0], where + "[0]"), positive_int(v[1], where + "[1]")};
  }

  std::array<double, 3> triple(const json& v, const std::string& where, bool positive) const {
    if (!v.is_array() || v.size() != 3) bad(where, "expected three numbers");
    std::array<double, 3> out{};
    for (int i = 0; i < 3; ++i) {
      if (!v[i].is_number()) bad(where, "expected three numbers");
      out[i] = v[i].get<double>();
      if (positive && !(out[i] > 0)) bad(where, "values must be > 0");
    }
    return out;
  }

  std::string string(const json& obj, const char* key, const std::string& where) const {
    auto* v = child(obj, key, json::value_t::string, where);
    return v ? v->get<std::string>() : std::string();
  }

 private:
  static const char* type_name(json::value_t t) {
    switch (t) {
      case json::value_t::object: return "an object";
      case json::value_t::array: return "an array";
      case json::value_t::string: return "a string";
      case json::value_t::number_integer: return "an integer";
      case json::value_t::number_float: return "a number";
      case json::value_t::boolean: return "a boolean";
      default: return "a value";
    }
  }
  std::string source_;
};

}  // namespace

namespace {

void read_header(const Reader& r, const json& doc, Metadata& m) {
  if (r.string(doc, "format", "$") != "attnviz") r.bad("format", "expected \"attnviz\"");
  auto* version = r.child(doc, "version", json::value_t::number_integer, "$");
  if (!version) r.bad("version", "missing");
  if (version->get<long long>() != 1)
    r.bad("version", std::to_string(version->get<long long>()) + " is not supported (this attnviz reads version 1)");
  m.name = r.string(doc, "name", "$");
  m.description = r.string(doc, "description", "$");
}

void read_inputs(const Reader& r, const json& doc, Metadata& m) {
  if (auto* inputs = r.child(doc, "inputs", json::value_t::array, "$")) {
    m.inputs.clear();
    for (const auto& v : *inputs) {
      if (!v.is_string()) r.bad("inputs", "expected strings");
      auto s = v.get<std::string>();
      if (s != "image" && s != "input_ids" && s != "budget")
        r.bad("inputs", "unknown input '" + s + "' (image, input_ids, budget)");
      m.inputs.push_back(s);
    }
  }
  if (doc.contains("output")) {
    m.output = r.string(doc, "output", "$");
    if (m.output != "logits" && m.output != "other") r.bad("output", "expected \"logits\" or \"other\"");
  }
}

// One of a few names, e.g. "resize": "crop"; nothing when absent.
template <typename T>
std::optional<T> read_choice(const Reader& r, const json& p, const char* key,
                             std::optional<T> (*parse)(const std::string&), const char* choices) {
  auto* v = r.child(p, key, json::value_t::string, "preprocess");
  if (!v) return std::nullopt;
  auto value = parse(v->get<std::string>());
  if (!value) r.bad(std::string("preprocess.") + key, "\"" + v->get<std::string>() + "\": expected " + choices);
  return value;
}

void read_preprocess(const Reader& r, const json& doc, Metadata& m) {
  auto* p = r.child(doc, "preprocess", json::value_t::object, "$");
  if (!p) return;
  if (auto* size = r.child(*p, "size", json::value_t::array, "preprocess")) m.preprocess.size = r.pair(*size, "preprocess.size");
  if (p->contains("channel_order")) {
    auto order = r.string(*p, "channel_order", "preprocess");
    if (order != "RGB" && order != "BGR") r.bad("preprocess.channel_order", "expected \"RGB\" or \"BGR\"");
    m.preprocess.bgr = order == "BGR";
  }
  if (auto* scale = r.child(*p, "scale", json::value_t::number_float, "preprocess")) {
    m.preprocess.scale = scale->get<double>();
    if (!(m.preprocess.scale > 0)) r.bad("preprocess.scale", "must be > 0");
  }
  if (p->contains("mean")) m.preprocess.mean = r.triple(p->at("mean"), "preprocess.mean", false);
  if (p->contains("std")) m.preprocess.std = r.triple(p->at("std"), "preprocess.std", true);
  if (auto mode = read_choice(r, *p, "resize", parse_resize_mode, resize_mode_choices())) m.preprocess.resize = *mode;
  if (auto f = read_choice(r, *p, "interpolation", parse_interpolation, interpolation_choices()))
    m.preprocess.interpolation = *f;
  if (auto* antialias = r.child(*p, "antialias", json::value_t::boolean, "preprocess"))
    m.preprocess.antialias = antialias->get<bool>();
}

void read_budgets(const Reader& r, const json& doc, Metadata& m) {
  auto* budgets = r.child(doc, "budgets", json::value_t::object, "$");
  if (!budgets) return;
  if (auto* grids = r.child(*budgets, "grids", json::value_t::object, "budgets")) {
    for (const auto& [key, value] : grids->items()) {
      auto budget = parse_integer(key, 1, 1'000'000'000);
      if (!budget) r.bad("budgets.grids", "key '" + key + "' is not a positive integer");
      auto grid = r.pair(value, "budgets.grids." + key);
      const long long tokens = static_cast<long long>(grid[0]) * grid[1];
      if (tokens != *budget)
        r.bad("budgets.grids." + key, "grid " + std::to_string(grid[0]) + "x" + std::to_string(grid[1]) +
                                          " has " + std::to_string(tokens) + " tokens, not " + key);
      m.budget_grids[static_cast<int>(*budget)] = grid;
    }
  }
  if (auto* d = r.child(*budgets, "default", json::value_t::number_integer, "budgets")) {
    m.default_budget = r.positive_int(*d, "budgets.default");
    if (!m.budget_grids.count(m.default_budget)) r.bad("budgets.default", "not one of budgets.grids");
  } else if (!m.budget_grids.empty()) {
    m.default_budget = m.budget_grids.rbegin()->first;
  }
}

LayoutSegment read_image_grid(const Reader& r, const json& grid, const std::string& where, const Metadata& m) {
  LayoutSegment s;
  s.kind = LayoutSegment::Kind::image;
  if (grid.is_string() && grid.get<std::string>() == "budget") {
    if (m.budget_grids.empty()) r.bad(where, "\"budget\" but no budgets.grids");
    s.grid_from_budget = true;
    return s;
  }
  auto hw = r.pair(grid, where);
  if (static_cast<long long>(hw[0]) * hw[1] > kMaxImageTokens)
    r.bad(where, "more than " + std::to_string(kMaxImageTokens) + " image tokens");
  s.grid_h = hw[0];
  s.grid_w = hw[1];
  return s;
}

// {"image_tokens": {"offset": N, "grid": [H, W] | "budget"}}
StackLayout read_image_tokens(const Reader& r, const json& tokens, const std::string& where, const Metadata& m) {
  StackLayout l;
  l.kind = StackLayout::Kind::image_tokens;
  const int offset = tokens.contains("offset") ? r.non_negative_int(tokens.at("offset"), where + ".offset") : 0;
  if (offset > 0) l.segments.push_back({LayoutSegment::Kind::prefix, offset});
  if (!tokens.contains("grid")) r.bad(where, "missing grid");
  l.segments.push_back(read_image_grid(r, tokens.at("grid"), where + ".grid", m));
  return l;
}

// {"layout": [{"prefix": 1}, {"text": 2}, {"image": [24, 24]}, {"text": "rest"}]}
StackLayout read_segments(const Reader& r, const json& list, const std::string& where, const Metadata& m) {
  StackLayout l;
  l.kind = StackLayout::Kind::segments;
  if (!list.is_array() || list.empty()) r.bad(where, "expected a list of segments");
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string at = where + "[" + std::to_string(i) + "]";
    const json& seg = list[i];
    if (!seg.is_object() || seg.size() != 1) r.bad(at, "expected one of {\"prefix\": N}, {\"text\": N | \"rest\"}, {\"image\": [H, W] | \"budget\"}");
    const std::string kind = seg.begin().key();
    const json& value = seg.begin().value();
    if (kind == "image") {
      l.segments.push_back(read_image_grid(r, value, at + ".image", m));
    } else if (kind == "text" && value.is_string() && value.get<std::string>() == "rest") {
      l.segments.push_back({LayoutSegment::Kind::text, -1});
    } else if (kind == "text" || kind == "prefix") {
      const int n = r.non_negative_int(value, at + "." + kind);
      l.segments.push_back({kind == "text" ? LayoutSegment::Kind::text : LayoutSegment::Kind::prefix, n});
    } else {
      r.bad(at, "unknown segment '" + kind + "' (prefix, text, image)");
    }
  }
  return l;
}

// {"image_token_id": ID, "image_grids": [[H, W], ...], "prefix": N}
StackLayout read_placeholder(const Reader& r, const json& value, const std::string& where) {
  StackLayout l;
  l.kind = StackLayout::Kind::placeholder;
  l.image_token_id = r.non_negative_int(value.at("image_token_id"), where + ".image_token_id");
  if (auto* grids = r.child(value, "image_grids", json::value_t::array, where))
    for (size_t i = 0; i < grids->size(); ++i)
      l.image_grids.push_back(r.pair((*grids)[i], where + ".image_grids[" + std::to_string(i) + "]"));
  if (value.contains("prefix")) l.prefix = r.non_negative_int(value.at("prefix"), where + ".prefix");
  return l;
}

StackLayout read_stack(const Reader& r, const json& value, const std::string& where, const Metadata& m) {
  if (!value.is_object()) r.bad(where, "expected an object");
  const int forms = value.contains("image_tokens") + value.contains("layout") + value.contains("image_token_id");
  if (forms != 1) r.bad(where, "expected exactly one of image_tokens, layout, image_token_id");
  if (auto* tokens = r.child(value, "image_tokens", json::value_t::object, where))
    return read_image_tokens(r, *tokens, where + ".image_tokens", m);
  if (value.contains("layout")) return read_segments(r, value.at("layout"), where + ".layout", m);
  return read_placeholder(r, value, where);
}

void read_stacks(const Reader& r, const json& doc, Metadata& m) {
  if (auto* stacks = r.child(doc, "stacks", json::value_t::object, "$"))
    for (const auto& [name, value] : stacks->items()) m.stacks[name] = read_stack(r, value, "stacks." + name, m);
}

void read_tokenizer(const Reader& r, const json& doc, Metadata& m) {
  auto* t = r.child(doc, "tokenizer", json::value_t::object, "$");
  if (!t) return;
  TokenizerSpec spec;
  auto type = r.string(*t, "type", "tokenizer");
  if (type == "tokenizer.json") {
    spec.kind = TokenizerSpec::Kind::tokenizer_json;
    spec.bos = r.string(*t, "bos", "tokenizer");
    spec.eos = r.string(*t, "eos", "tokenizer");
    m.tokenizer = std::move(spec);
    return;
  }
  if (type != "words") r.bad("tokenizer.type", "'" + type + "' is not supported (\"words\", \"tokenizer.json\")");
  auto* vocab = r.child(*t, "vocab", json::value_t::array, "tokenizer");
  if (!vocab || vocab->empty()) r.bad("tokenizer.vocab", "missing or empty");
  for (const auto& v : *vocab) {
    if (!v.is_string()) r.bad("tokenizer.vocab", "expected strings");
    spec.vocab.push_back(v.get<std::string>());
  }
  spec.bos = r.string(*t, "bos", "tokenizer");
  spec.eos = r.string(*t, "eos", "tokenizer");
  spec.unk = r.string(*t, "unk", "tokenizer");
  const std::string pad = r.string(*t, "pad", "tokenizer");  // read, to check it, but never used
  for (const std::string* special : std::initializer_list<const std::string*>{&spec.bos, &spec.eos, &spec.unk, &pad})
    if (!special->empty() && std::find(spec.vocab.begin(), spec.vocab.end(), *special) == spec.vocab.end())
      r.bad("tokenizer", "special token '" + *special + "' is not in the vocabulary");
  m.tokenizer = std::move(spec);
}

void read_generation(const Reader& r, const json& doc, Metadata& m) {
  if (auto* g = r.child(doc, "generation", json::value_t::object, "$")) {
    if (auto* n = r.child(*g, "max_new_tokens", json::value_t::number_integer, "generation"))
      m.max_new_tokens = r.positive_int(*n, "generation.max_new_tokens");
    m.default_prompt = r.string(*g, "default_prompt", "generation");
  }
}

}  // namespace

Metadata parse_metadata(const std::string& text, const std::string& source) {
  Reader r(source);
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::exception& e) {
    r.bad("document", std::string("not valid JSON (") + e.what() + ")");
  }
  if (!doc.is_object()) r.bad("document", "expected a JSON object");
  Metadata m;
  m.json = text;
  read_header(r, doc, m);
  read_inputs(r, doc, m);
  read_preprocess(r, doc, m);
  read_budgets(r, doc, m);
  read_stacks(r, doc, m);
  read_tokenizer(r, doc, m);
  read_generation(r, doc, m);
  return m;
}

Preprocess PreprocessOverride::applied_to(Preprocess p) const {
  if (size) p.size = *size;
  if (mean) p.mean = *mean;
  if (std) p.std = *this->std;
  if (resize) p.resize = *resize;
  if (interpolation) p.interpolation = *interpolation;
  if (antialias) p.antialias = *antialias;
  if (bgr) p.bgr = true;
  return p;
}

const StackLayout* find_stack_layout(const Metadata& meta, const std::string& stack) {
  const StackLayout* best = nullptr;
  size_t best_len = 0;
  for (const auto& [name, spec] : meta.stacks) {
    if (stack_matches(name, stack) && name.size() >= best_len) {
      best = &spec;
      best_len = name.size();
    }
  }
  return best;
}

}  // namespace attnviz
