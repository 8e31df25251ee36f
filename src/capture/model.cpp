// The Model facade: picks the capture backend for a file, reads the metadata, binds
// forward()'s parameters to the inputs attnviz supplies, and indexes the attention sites
// by stack. Plain C++: the format lives behind CaptureBackend.
#include "attnviz/model.h"

#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>

#include "attnviz/capture_backend.h"
#include "attnviz/error.h"
#include "attnviz/site_names.h"

namespace attnviz {

struct Model::Impl {
  std::string path;
  std::unique_ptr<CaptureBackend> backend;
  std::optional<Metadata> metadata;
  std::map<std::string, std::string> extra_files;
  std::vector<FoundSite> found;     // every site the backend found, in its order
  std::vector<int> backend_index;   // sites[i] is found[backend_index[i]]
  std::vector<Site> sites;
  std::vector<Stack> stacks;
  std::vector<ForwardInput> inputs;
  std::mutex settle_mutex;
  std::atomic<bool> settled{false};

  // Sites named and grouped into stacks; `keep` selects among `found`.
  void index(const std::vector<int>& keep);
  CaptureRequest to_backend(const CaptureRequest& request) const;

  // The backend's layers named after the sites they came from; a site that did not run
  // is an error.
  ForwardResult named(ForwardResult result, const CaptureRequest& request) const;
  // The metadata's default budget where the caller gave none.
  ModelInputs completed(const ModelInputs& in) const;
};

namespace {

void check_file(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) fail_model(path, "no such file");
  if (S_ISDIR(st.st_mode)) fail_model(path, "is a directory, not a TorchScript model");
  // A FIFO or a device would block or never end inside a loader.
  if (!S_ISREG(st.st_mode)) fail_model(path, "not a regular file (a device, FIFO or socket), not a TorchScript model");
}

const CaptureBackendType& backend_for(const std::string& path) {
  for (const auto& b : capture_backends())
    if (b.recognizes(path)) return b;
  return capture_backends().front();
}

[[noreturn]] void unsuppliable(const std::string& path, const ForwardParam& p) {
  fail_model(path, "forward() argument '" + p.name + "' (" + p.type +
                       ") is not one attnviz can supply (image, input_ids, budget)");
}

// The metadata names the inputs in order; parameters after them take their defaults.
std::vector<std::string> sources_from_metadata(const std::string& path, const Metadata& meta,
                                               const std::vector<ForwardParam>& params) {
  const auto& names = meta.inputs;
  const size_t required = std::count_if(params.begin(), params.end(), [](const auto& p) { return !p.has_default; });
  if (names.size() < required || names.size() > params.size())
    fail_model(path, "metadata lists " + std::to_string(names.size()) + " inputs but forward() takes " +
                         std::to_string(params.size()));
  std::vector<std::string> sources(names.begin(), names.end());
  sources.resize(params.size());  // the rest: defaults
  return sources;
}

// Without metadata: the first tensor is the image, the second the input_ids, an int the
// budget; anything else must have a default.
std::vector<std::string> sources_from_types(const std::string& path, const std::vector<ForwardParam>& params) {
  std::vector<std::string> sources;
  int tensors = 0;
  for (const auto& p : params) {
    std::string name;
    if (p.kind == ForwardParam::Kind::tensor) name = tensors++ == 0 ? "image" : (tensors == 2 ? "input_ids" : "");
    else if (p.kind == ForwardParam::Kind::integer) name = "budget";
    if (name.empty() || (p.has_default && name == "budget")) {
      if (!p.has_default) unsuppliable(path, p);
      name.clear();
    }
    sources.push_back(name);
  }
  return sources;
}

}  // namespace

// Sites named by module path, grouped into stacks in execution order.
void Model::Impl::index(const std::vector<int>& keep) {
  backend_index = keep;
  sites.clear();
  stacks.clear();
  int unnamed = 0;
  for (int k : keep) {
    const FoundSite& f = found[k];
    Site site;
    site.name = f.path.empty() ? "attention." + std::to_string(unnamed++) : f.path;
    site.stack = f.path.empty() ? "attention" : stack_of(f.path);
    site.op = f.op;
    sites.push_back(site);
  }
  for (size_t i = 0; i < sites.size(); ++i) {
    auto& site = sites[i];
    auto it = std::find_if(stacks.begin(), stacks.end(), [&](const Stack& s) { return s.name == site.stack; });
    if (it == stacks.end()) it = stacks.insert(stacks.end(), Stack{site.stack, {}});
    site.index = static_cast<int>(it->sites.size());
    it->sites.push_back(static_cast<int>(i));
  }
}

CaptureRequest Model::Impl::to_backend(const CaptureRequest& request) const {
  CaptureRequest r = request;
  for (auto& s : r.sites) s = backend_index.at(s);
  for (auto& chain : r.rollout_chains)
    for (auto& s : chain) s = backend_index.at(s);
  return r;
}

namespace {

// Sites the graph carries no module path for (frozen graphs) cannot be told apart from the
// alternatives of one attention module (nn.MultiheadAttention's fused and slow paths):
// those models are probed once to keep only the sites that run.
bool needs_probe(const std::vector<FoundSite>& found) {
  return std::any_of(found.begin(), found.end(), [](const FoundSite& f) { return f.path.empty(); });
}

}  // namespace

bool is_model_file(const std::string& path) {
  for (const auto& b : capture_backends())
    if (b.recognizes(path)) return true;
  return false;
}

Model::Model(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Model::~Model() = default;
Model::Model(Model&&) noexcept = default;
Model& Model::operator=(Model&&) noexcept = default;

Model Model::load(const std::string& path, const ModelOptions& options) {
  check_file(path);
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  BackendLoad loaded = backend_for(path).load(path, options.device, {kMetadataFile, kTokenizerFile});
  impl->backend = std::move(loaded.backend);
  impl->extra_files = loaded.extra_files;
  if (loaded.extra_files.count(kMetadataFile))
    impl->metadata = parse_metadata(loaded.extra_files[kMetadataFile], path);

  const auto params = impl->backend->forward_params();
  const auto sources =
      impl->metadata ? sources_from_metadata(path, *impl->metadata, params) : sources_from_types(path, params);
  for (size_t i = 0; i < params.size(); ++i)
    if (!sources[i].empty()) impl->inputs.push_back({sources[i], params[i].type});
  impl->backend->bind_inputs(sources);
  impl->found = impl->backend->sites();
  std::vector<int> all(impl->found.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<int>(i);
  impl->index(all);
  impl->settled = !needs_probe(impl->found);
  return Model(std::move(impl));
}

const std::string& Model::path() const { return impl_->path; }
const std::optional<Metadata>& Model::metadata() const { return impl_->metadata; }
const std::vector<Site>& Model::sites() const { return impl_->sites; }
const std::vector<Stack>& Model::stacks() const { return impl_->stacks; }
const std::vector<ForwardInput>& Model::inputs() const { return impl_->inputs; }
std::vector<std::string> Model::notes() const { return impl_->backend->notes(); }

bool Model::takes(const std::string& input) const {
  return std::any_of(impl_->inputs.begin(), impl_->inputs.end(), [&](const ForwardInput& i) { return i.name == input; });
}

std::string Model::default_stack() const {
  if (impl_->sites.empty()) return "";
  return impl_->sites.back().stack;
}

bool Model::settled() const { return impl_->settled; }

void Model::settle(const ModelInputs& inputs) const {
  if (impl_->settled) return;
  std::lock_guard<std::mutex> lock(impl_->settle_mutex);
  if (impl_->settled) return;
  const auto shapes = impl_->backend->probe_shapes(impl_->completed(inputs));
  std::vector<int> ran;
  for (size_t i = 0; i < shapes.size(); ++i)
    if (shapes[i].ran()) ran.push_back(static_cast<int>(i));
  impl_->index(ran);
  impl_->settled = true;
}

std::optional<std::string> Model::extra_file(const std::string& name) const {
  auto it = impl_->extra_files.find(name);
  if (it == impl_->extra_files.end()) return std::nullopt;
  return it->second;
}

ForwardResult Model::Impl::named(ForwardResult result, const CaptureRequest& request) const {
  for (size_t i = 0; i < result.layers.size(); ++i) {
    const Site& site = sites.at(request.sites.at(i));
    auto& map = result.layers[i];
    if (map.heads == 0) fail_model(path, "attention site " + site.name + " did not run");
    map.stack = site.stack;
    map.index = site.index;
    map.name = site.name;
  }
  return result;
}

ModelInputs Model::Impl::completed(const ModelInputs& in) const {
  ModelInputs out = in;
  if (!out.budget && metadata) out.budget = metadata->default_budget;
  return out;
}

ForwardResult Model::run(const ModelInputs& inputs, const CaptureRequest& request) const {
  return impl_->named(impl_->backend->run(impl_->completed(inputs), impl_->to_backend(request)), request);
}

ForwardResult Model::forward_only(const ModelInputs& inputs) const {
  return impl_->backend->forward_only(impl_->completed(inputs));
}

std::vector<SiteShape> Model::probe_shapes(const ModelInputs& inputs) const {
  const auto all = impl_->backend->probe_shapes(impl_->completed(inputs));
  std::vector<SiteShape> shapes;
  for (int k : impl_->backend_index) shapes.push_back(all.at(k));
  return shapes;
}

std::vector<int64_t> Model::generate(const ModelInputs& prompt, int max_new_tokens, int64_t eos) const {
  return impl_->backend->generate(impl_->completed(prompt), max_new_tokens, eos);
}

std::vector<int64_t> Model::generate(const ModelInputs& prompt, int max_new_tokens, int64_t eos,
                                     const CaptureRequest& request, ForwardResult* capture) const {
  auto tokens =
      impl_->backend->generate(impl_->completed(prompt), max_new_tokens, eos, impl_->to_backend(request), capture);
  *capture = impl_->named(std::move(*capture), request);
  return tokens;
}

}  // namespace attnviz
