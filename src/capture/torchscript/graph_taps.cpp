#include "graph_taps.h"

#include <algorithm>
#include <map>
#include <set>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include <torch/csrc/jit/api/function_impl.h>
#include <torch/csrc/jit/ir/ir.h>

#include "attnviz/error.h"

namespace attnviz::torchscript::capture {
namespace {

using torch::jit::Block;
using torch::jit::Graph;
using torch::jit::Node;
using torch::jit::Value;
namespace prim = c10::prim;
namespace aten = c10::aten;

const c10::Symbol kNativeMha = c10::Symbol::fromQualString("aten::_native_multi_head_attention");
const c10::Symbol kSpecialSoftmax = c10::Symbol::fromQualString("aten::special_softmax");

// The module path of a value reached from `self` through prim::GetAttr, e.g.
// self.lm.layers.3 -> "lm.layers.3". ModuleList indices stay in the path, unlike the
// inliner's call stacks, which keep only the last attribute name.
std::optional<std::string> module_path(Value* v, Value* root_self) {
  if (v == root_self) return std::string();
  Node* n = v->node();
  if (n->kind() != prim::GetAttr) return std::nullopt;
  auto parent = module_path(n->input(0), root_self);
  if (!parent) return std::nullopt;
  const std::string& attr = n->s(c10::attr::name);
  return parent->empty() ? attr : *parent + "." + attr;
}

torch::jit::GraphFunction* callee_of(Node* n) {
  if (n->kind() == prim::CallMethod) {
    auto cls = n->input(0)->type()->cast<c10::ClassType>();
    if (!cls) return nullptr;
    auto* fn = cls->findMethod(n->s(c10::attr::name));
    return fn ? torch::jit::tryToGraphFunction(*fn) : nullptr;
  }
  if (n->kind() == prim::CallFunction) {
    auto fn_type = n->input(0)->type()->cast<c10::FunctionType>();
    return fn_type ? torch::jit::tryToGraphFunction(*fn_type->function()) : nullptr;
  }
  return nullptr;
}

// Inlines every call, remembering for each node the path of the module whose code it
// came from. Our own loop instead of torch::jit::Inline, because we need exact paths.
class PathInliner {
 public:
  explicit PathInliner(Graph& g) : root_self_(g.inputs().empty() ? nullptr : g.inputs()[0]) {}

  void run(Block* block, const std::string& path) {
    Node* cur = block->nodes().front();
    while (cur != block->return_node()) {
      Node* next = cur->next();
      auto* fn = callee_of(cur);
      if (fn) {
        std::string callee_path = path_of_.count(cur) ? path_of_[cur] : path;
        if (cur->kind() == prim::CallMethod) {
          auto p = module_path(cur->input(0), root_self_);
          if (p) callee_path = *p;
        }
        if (cur->kind() == prim::CallFunction) cur->removeInput(0);  // the function constant
        Node* before = cur->prev();
        Node* after = cur->next();
        // false: the plain graph, whose own calls we inline ourselves (the optimized one
        // is already inlined, without paths).
        torch::jit::inlineCallTo(cur, fn, /*inline_optimized_graph=*/false);
        for (Node* n = before->next(); n != after; n = n->next()) tag(n, callee_path);
        next = before->next();  // walk the inlined nodes too: they may call further
      } else {
        if (!path_of_.count(cur)) path_of_[cur] = path;
        for (Block* b : cur->blocks()) run(b, path_of(cur));
      }
      cur = next;
    }
  }

  const std::string& path_of(Node* n) const {
    static const std::string empty;
    auto it = path_of_.find(n);
    return it == path_of_.end() ? empty : it->second;
  }

 private:
  void tag(Node* n, const std::string& path) {
    path_of_[n] = path;
    for (Block* b : n->blocks())
      for (Node* inner : b->nodes()) tag(inner, path);
  }

  Value* root_self_;
  std::unordered_map<Node*, std::string> path_of_;
};

bool is_softmax(Node* n) {
  return n->kind() == aten::softmax || n->kind() == aten::_softmax ||
         n->kind() == kSpecialSoftmax;
}

// Ops through which attention probabilities pass on their way to the values matmul
// without becoming something else.
bool passes_probabilities(Node* n) {
  static const std::unordered_set<std::string> ops = {
      "aten::dropout", "aten::dropout_", "aten::feature_dropout", "aten::alpha_dropout",
      "aten::to", "aten::type_as", "aten::contiguous", "aten::masked_fill", "aten::masked_fill_",
      "aten::mul", "aten::mul_", "aten::div", "aten::div_", "aten::view", "aten::reshape",
      "aten::nan_to_num", "aten::nan_to_num_", "aten::clone", "aten::detach", "aten::float",
      "aten::half", "aten::unsqueeze", "aten::squeeze", "aten::flatten", "aten::where",
  };
  return ops.count(n->kind().toQualString()) > 0;
}

// Attention probabilities are the left operand of a matmul with the values. A softmax
// over a vocabulary (an output distribution) is not.
bool feeds_values_matmul(Value* v, int depth = 0) {
  if (depth > 6) return false;
  for (const auto& use : v->uses()) {
    Node* user = use.user;
    const auto kind = user->kind();
    if ((kind == aten::matmul || kind == aten::bmm) && use.offset == 0) return true;
    if (kind == aten::baddbmm && use.offset == 1) return true;
    if (kind == aten::einsum) return true;
    if (kind == prim::ListConstruct && user->output()->uses().size() == 1 &&
        user->output()->uses()[0].user->kind() == aten::einsum)
      return true;
    if (kind == prim::Return) {  // leaves an If branch: follow the If's output
      Node* owner = user->owningBlock()->owningNode();
      if (owner && owner->kind() == prim::If &&
          feeds_values_matmul(owner->outputs()[use.offset], depth + 1))
        return true;
      continue;
    }
    if (passes_probabilities(user) && user->outputs().size() == 1 &&
        feeds_values_matmul(user->output(), depth + 1))
      return true;
  }
  return false;
}

bool softmax_over_last_dim(Node* n) {
  auto dim = torch::jit::toIValue(n->input(1));
  if (!dim || !dim->isInt()) return true;  // not a constant: let the matmul test decide
  int64_t d = dim->toInt();
  return d == -1 || d >= 2;
}

void collect(Block* block, std::vector<Node*>& out) {
  for (Node* n : block->nodes()) {
    if ((is_softmax(n) && softmax_over_last_dim(n) && feeds_values_matmul(n->output())) ||
        n->kind() == kNativeMha)
      out.push_back(n);
    for (Block* b : n->blocks()) collect(b, out);
  }
}

// The If nodes (and which of their branches) that enclose `n`.
std::vector<std::pair<Node*, size_t>> enclosing_branches(Node* n) {
  std::vector<std::pair<Node*, size_t>> chain;
  for (Block* b = n->owningBlock(); b && b->owningNode(); b = b->owningNode()->owningBlock()) {
    Node* owner = b->owningNode();
    auto blocks = owner->blocks();
    size_t index = std::find(blocks.begin(), blocks.end(), b) - blocks.begin();
    chain.emplace_back(owner, index);
  }
  return chain;
}

// Whether at most one of `a` and `b` can run: they sit in different branches of one If.
bool in_exclusive_branches(Node* a, Node* b) {
  for (const auto& [owner_a, branch_a] : enclosing_branches(a))
    for (const auto& [owner_b, branch_b] : enclosing_branches(b))
      if (owner_a == owner_b && owner_a->kind() == prim::If && branch_a != branch_b) return true;
  return false;
}

}  // namespace

GraphScan scan_attention(const torch::jit::Module& module, const std::string& method) {
  GraphScan scan;
  auto m = module.find_method(method);
  if (!m) throw std::runtime_error("the module has no method '" + method + "'");
  scan.graph = torch::jit::toGraphFunction(m->function()).graph()->copy();
  PathInliner inliner(*scan.graph);
  inliner.run(scan.graph->block(), "");

  std::vector<Node*> producers;
  collect(scan.graph->block(), producers);

  // Candidates of one module frame in different branches of an If are alternatives of
  // one site (MHA's fast and slow paths, F.softmax's dtype branches); others are sites
  // of their own.
  // A frame holding a fused MHA op is one nn.MultiheadAttention: its slow path (after
  // TorchScript's early-return rewrite, not in an else branch) is the same site.
  std::set<std::string> mha_frames;
  for (Node* n : producers)
    if (n->kind() == kNativeMha && !inliner.path_of(n).empty()) mha_frames.insert(inliner.path_of(n));
  std::map<std::string, std::vector<int>> frame_sites;
  std::map<std::string, int> occurrences;
  for (Node* n : producers) {
    const std::string& path = inliner.path_of(n);
    bool merged = false;
    for (int index : frame_sites[path]) {
      auto& site = scan.sites[index];
      bool exclusive = mha_frames.count(path) ||
                       std::all_of(site.producers.begin(), site.producers.end(),
                                   [&](Node* other) { return in_exclusive_branches(n, other); });
      if (exclusive) {
        site.producers.push_back(n);
        if (n->kind() == kNativeMha) site.op = "native_mha";
        merged = true;
        break;
      }
    }
    if (merged) continue;
    frame_sites[path].push_back(static_cast<int>(scan.sites.size()));
    ScannedSite site;
    int k = occurrences[path]++;
    site.name = path.empty() ? std::string() : (k == 0 ? path : path + "#" + std::to_string(k));
    site.op = n->kind() == kNativeMha ? "native_mha" : "softmax";
    site.producers.push_back(n);
    scan.sites.push_back(std::move(site));
  }
  for (const auto& name : {"aten::_transformer_encoder_layer_fwd",
                           "aten::_scaled_dot_product_attention",
                           "aten::scaled_dot_product_attention"}) {
    auto found = torch::jit::findAllNodes(*scan.graph, c10::Symbol::fromQualString(name), true);
    if (!found.empty())
      scan.notes.push_back(std::string(name) + " computes attention without returning its " +
                           "probabilities; those layers cannot be captured");
  }
  return scan;
}

namespace {

// Graph::copy() clones block by block in order, so the nodes correspond one to one.
void map_nodes(Block* from, Block* to, std::unordered_map<Node*, Node*>& out) {
  auto a = from->nodes().begin(), b = to->nodes().begin();
  for (; a != from->nodes().end() && b != to->nodes().end(); ++a, ++b) {
    out[*a] = *b;
    auto ab = a->blocks(), bb = b->blocks();
    for (size_t i = 0; i < ab.size() && i < bb.size(); ++i) map_nodes(ab[i], bb[i], out);
  }
}

}  // namespace

GraphScan copy_scan(const GraphScan& scan) {
  GraphScan copy;
  copy.graph = scan.graph->copy();
  copy.notes = scan.notes;
  std::unordered_map<Node*, Node*> nodes;
  map_nodes(scan.graph->block(), copy.graph->block(), nodes);
  for (const auto& site : scan.sites) {
    ScannedSite s{site.name, site.op, {}};
    for (Node* n : site.producers) s.producers.push_back(nodes.at(n));
    copy.sites.push_back(std::move(s));
  }
  return copy;
}

namespace {

// [..., tq, tk] -> [windows, heads, tq, tk]: whatever comes before the heads is folded
// into the first dimension. With batch 1 that is 1, or the windows of windowed attention
// (Swin folds them into the batch); a [B*H, tq, tk] layout keeps everything as heads.
Value* as_windows_heads(Graph& g, Value* v) {
  Value* heads = g.insert(aten::size, {v, -3});
  Value* tq = g.insert(aten::size, {v, -2});
  Value* tk = g.insert(aten::size, {v, -1});
  Value* shape = g.insertNode(g.createList(c10::IntType::get(), {g.insertConstant(-1), heads, tq, tk}))->output();
  return g.insert(aten::reshape, {v, shape});
}

// The heads (dimension 1) fused; windows stay apart.
Value* fuse(Graph& g, Value* x, const HeadFusion& f) {
  std::vector<int64_t> dim1{1};
  switch (f.kind) {
    case HeadFusion::Kind::mean: return g.insert(aten::mean, {x, dim1, false});
    case HeadFusion::Kind::max: return g.insert(aten::amax, {x, dim1, false});
    case HeadFusion::Kind::min: return g.insert(aten::amin, {x, dim1, false});
    case HeadFusion::Kind::head:
      return g.insert(aten::clone, {g.insert(aten::select, {x, 1, f.head})});
    case HeadFusion::Kind::all: return g.insert(aten::clone, {x});
  }
  return x;
}

// Float32, whatever the model computes in (bf16, fp16); a no-op for float32.
Value* as_float(Graph& g, Value* x) {
  return g.insert(aten::to, {x, c10::ScalarType::Float, false, false});
}

// Mean-pooled by f = ceil(max(tq, tk) / max_side) in both directions, so that the matrix
// has at most max_side rows and columns; the last, partial cells average what they cover.
Value* pooled(Graph& g, Value* fused, int max_side) {
  Value* tq = g.insert(aten::size, {fused, -2});
  Value* tk = g.insert(aten::size, {fused, -1});
  Value* longest = g.insert(prim::max, {tq, tk});
  Value* f = g.insert(aten::floordiv, {g.insert(aten::add, {longest, max_side - 1}), max_side});
  Value* kernel = g.insertNode(g.createList(c10::IntType::get(), {f, f}))->output();
  std::vector<int64_t> no_padding{0, 0};
  return g.insert(aten::avg_pool2d, {fused, kernel, kernel, no_padding, true, true, c10::IValue()});
}

// Rows 0 and max(1, tq - n) .. tq - 1 of [windows, heads, tq, tk]: a CLS row and the rows
// an answer's query needs, without the rest of the matrix.
Value* first_and_last_rows(Graph& g, Value* x, int n) {
  Value* tq = g.insert(aten::size, {x, 2});
  Value* start = g.insert(prim::max, {g.insert(aten::sub, {tq, n}), 1});
  Value* head = g.insert(aten::slice, {x, 2, 0, 1, 1});
  Value* tail = g.insert(aten::slice, {x, 2, start, tq, 1});
  Value* both = g.insertNode(g.createList(c10::TensorType::get(), {head, tail}))->output();
  return g.insert(aten::cat, {both, 2});
}

// Makes `v` visible in the graph's top block: each enclosing If gains an output that is
// `v` in the branch that defines it and an empty tensor in the others.
Value* lift_to_top(Graph& g, Value* v) {
  while (v->node()->owningBlock() != g.block()) {
    Block* inner = v->node()->owningBlock();
    Node* owner = inner->owningNode();
    if (owner->kind() != prim::If)
      throw std::runtime_error(std::string("attention computed inside a loop (") +
                               owner->kind().toQualString() + ") cannot be tapped");
    for (Block* b : owner->blocks()) {
      if (b == inner) {
        b->registerOutput(v);
      } else {
        torch::jit::WithInsertPoint guard(b->return_node());
        b->registerOutput(g.insertConstant(at::empty({0})));
      }
    }
    v = owner->addOutput()->setType(c10::TensorType::get());
  }
  return v;
}

// The producer's [.., heads, tq, tk] probabilities. The fused MHA op returns weights
// only when asked, and averages heads by default: it is asked for every head.
Value* probabilities(Graph& g, Node* producer) {
  if (producer->kind() != kNativeMha) return producer->output(0);
  auto need = producer->schema().argumentIndexWithName("need_weights");
  auto average = producer->schema().argumentIndexWithName("average_attn_weights");
  if (!need || !average) throw std::runtime_error("unexpected _native_multi_head_attention schema");
  torch::jit::WithInsertPoint at_producer(producer);
  producer->replaceInput(*need, g.insertConstant(true));
  producer->replaceInput(*average, g.insertConstant(false));
  return producer->output(1);
}

// One top-block value that is whichever of `alternatives` ran: values in different
// branches of one If become one output of it (an empty tensor where none of them is
// defined), lifted outwards until they meet. The scan only groups producers that
// exclusive branches keep apart, so at most one of them runs.
Value* lift_alternatives(Graph& g, std::vector<Value*> alternatives) {
  auto depth = [](Value* v) {
    int d = 0;
    for (Block* b = v->node()->owningBlock(); b->owningNode(); b = b->owningNode()->owningBlock()) ++d;
    return d;
  };
  while (alternatives.size() > 1) {
    auto deepest = std::max_element(alternatives.begin(), alternatives.end(),
                                    [&](Value* a, Value* b) { return depth(a) < depth(b); });
    if (depth(*deepest) == 0) throw std::runtime_error("alternative attention paths that both run");
    Node* owner = (*deepest)->node()->owningBlock()->owningNode();
    if (owner->kind() != prim::If)
      throw std::runtime_error(std::string("attention computed inside a loop (") + owner->kind().toQualString() +
                               ") cannot be tapped");
    std::vector<Value*> rest;
    std::map<Block*, Value*> by_branch;
    for (Value* v : alternatives) {
      Block* b = v->node()->owningBlock();
      if (b->owningNode() == owner && depth(v) == depth(*deepest) && !by_branch.count(b))
        by_branch[b] = v;
      else
        rest.push_back(v);
    }
    for (Block* b : owner->blocks()) {
      if (by_branch.count(b)) {
        b->registerOutput(by_branch[b]);
      } else {
        torch::jit::WithInsertPoint guard(b->return_node());
        b->registerOutput(g.insertConstant(at::empty({0})));
      }
    }
    rest.push_back(owner->addOutput()->setType(c10::TensorType::get()));
    alternatives = std::move(rest);
  }
  return lift_to_top(g, alternatives.front());
}

// The layer's contribution to rollout: (A + I) / 2 with rows renormalised, in float64,
// from the fused [1, t, t] matrix. squeeze leaves a windowed [w, t, t] one 3-D, so that
// the product fails instead of mixing windows (the shapes are checked after the run too).
Value* residual_mixed(Graph& g, Value* fused) {
  Value* a = g.insert(aten::squeeze, {fused, 0});
  a = g.insert(aten::to, {a, c10::ScalarType::Double, false, false});
  a = g.insert(aten::mul, {a, 0.5});
  g.insert(aten::add_, {g.insert(aten::diagonal, {a, 0, 0, 1}), 0.5});
  Value* sums = g.insert(aten::sum, {a, std::vector<int64_t>{1}, true});
  return g.insert(aten::div, {a, sums});
}

// Per kept site (shape, sum, rolled-out float32 matrix), then the shape of every chain
// site: the running product lives in the graph, so memory holds one product per chain
// and the kept results, never every layer's matrix.
std::vector<Value*> rollout_taps(Graph& g, const GraphScan& scan, const TapPlan& plan) {
  HeadFusion fusion = plan.fusion;
  if (fusion.kind == HeadFusion::Kind::all) fusion.kind = HeadFusion::Kind::mean;
  std::map<int, std::vector<Value*>> kept;
  std::vector<Value*> chain_shapes;
  for (const auto& chain : plan.rollout_chains) {
    Value* product = nullptr;
    for (int index : chain) {
      const auto& site = scan.sites.at(index);
      // A scripted nn.MultiheadAttention's fast path returns early instead of sitting in a
      // branch of its own: its two paths are not exclusive in the graph's blocks.
      if (site.producers.size() > 1 && site.op == "native_mha")
        throw std::runtime_error("rollout cannot be carried through " +
                                 (site.name.empty() ? std::string("a layer") : site.name) +
                                 " (nn.MultiheadAttention with both its fused and its slow path)");
      std::vector<Value*> shapes, sums, mixed;
      for (Node* producer : site.producers) {
        Value* probs = probabilities(g, producer);
        torch::jit::WithInsertPoint guard(producer->next());
        Value* x = as_windows_heads(g, probs);
        Value* xf = as_float(g, x);
        shapes.push_back(g.insert(aten::_shape_as_tensor, {x}));
        sums.push_back(g.insert(aten::sum, {xf}));
        mixed.push_back(residual_mixed(g, fuse(g, xf, fusion)));
      }
      // Attention inside an If arrives as the If's output (empty when no path of it ran,
      // and then mm fails the run): the product is carried in the top block.
      Value* shape = lift_alternatives(g, shapes);
      Value* sum = lift_alternatives(g, sums);
      Value* a = lift_alternatives(g, mixed);
      torch::jit::WithInsertPoint guard(a->node()->next());
      chain_shapes.push_back(shape);
      product = product ? g.insert(aten::mm, {a, product}) : a;
      if (std::find(plan.sites.begin(), plan.sites.end(), index) != plan.sites.end())
        kept[index] = {shape, sum, as_float(g, product)};
    }
  }
  std::vector<Value*> taps;
  for (int index : plan.sites) {
    if (!kept.count(index)) throw std::runtime_error("a rollout site outside its chain");
    taps.insert(taps.end(), kept[index].begin(), kept[index].end());
  }
  taps.insert(taps.end(), chain_shapes.begin(), chain_shapes.end());
  return taps;
}

// Per site and producer (shape, sum, matrix, rows), then the unfused copies.
std::vector<Value*> site_taps(Graph& g, const GraphScan& scan, const TapPlan& plan) {
  std::vector<Value*> taps;
  for (int index : plan.sites) {
    const auto& site = scan.sites.at(index);
    std::vector<Value*> per_producer, unfused;
    for (Node* producer : site.producers) {
      Value* probs = probabilities(g, producer);
      torch::jit::WithInsertPoint guard(producer->next());
      Value* x = as_windows_heads(g, probs);
      Value* shape = g.insert(aten::_shape_as_tensor, {x});
      per_producer.push_back(lift_to_top(g, shape));
      if (plan.mode == TapMode::fused) {
        Value* xf = as_float(g, x);
        // The sum of every probability: NaN or Inf in it, wherever it is (captured or not),
        // shows as a sum that is not finite.
        per_producer.push_back(lift_to_top(g, g.insert(aten::sum, {xf})));
        if (plan.matrix) {
          Value* fused = fuse(g, xf, plan.fusion);
          per_producer.push_back(lift_to_top(g, plan.max_side > 0 ? pooled(g, fused, plan.max_side) : fused));
        }
        if (plan.last_rows > 0)
          per_producer.push_back(lift_to_top(g, fuse(g, first_and_last_rows(g, xf, plan.last_rows), plan.fusion)));
        if (plan.per_head) unfused.push_back(lift_to_top(g, g.insert(aten::clone, {xf})));
      }
    }
    // Per site: (shape, fused) for each alternative producer, then the unfused copies.
    // An untaken alternative yields empty tensors; the caller keeps the one that ran.
    taps.insert(taps.end(), per_producer.begin(), per_producer.end());
    taps.insert(taps.end(), unfused.begin(), unfused.end());
  }
  return taps;
}

}  // namespace

std::shared_ptr<Graph> add_taps(GraphScan scan, const TapPlan& plan) {
  Graph& g = *scan.graph;
  std::vector<Value*> taps =
      plan.rollout_chains.empty() ? site_taps(g, scan, plan) : rollout_taps(g, scan, plan);
  torch::jit::WithInsertPoint guard(g.return_node());
  Value* original = g.outputs()[0];
  Value* tap_tuple = g.insertNode(g.createTuple(taps))->output();
  Value* result = g.insertNode(g.createTuple({original, tap_tuple}))->output();
  g.eraseOutput(0);
  g.registerOutput(result);
  return scan.graph;
}

}  // namespace attnviz::torchscript::capture
