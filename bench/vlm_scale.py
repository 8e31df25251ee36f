"""LLaVA-shaped vision-language models at benchmark scale (issue 14), random weights.

One definition serves the TorchScript archives (bench/make_vlm_scale.py), the Python way
(bench/python_way_scale.py) and the half-precision fixtures (tests/fixtures/
make_dtype_fixtures.py):

    image [1,3,S,S] -> CLIP-style ViT (patch embedding, CLS, a few pre-LN blocks)
      -> patch features without CLS -> projector (Linear, GELU, Linear)
    input_ids [1,L] -> token embeddings; the sequence is
      [first TEXT_PREFIX ids][grid_h*grid_w image tokens][the other ids]
      -> Llama-style decoder: RMSNorm, RoPE, grouped-query attention written as Hugging
         Face's eager attention (scores, causal mask, softmax in float32, matmul with the
         values), SwiGLU MLP -> logits [1,L,V] at the text positions (float32).

Weights are stored in the archive's dtype. Every op runs in the compute dtype: the storage
dtype, except float16, which libtorch 1.13's CPU kernels cannot compute in (addmm,
softmax, layer_norm, conv2d, silu, gelu, rsqrt, cos all raise "not implemented for
'Half'"): float16 weights are cast to float32 where they are used, the way a CPU user
keeps a float16 checkpoint in memory and computes in float32.
"""
import math
from typing import List, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

TEXT_PREFIX = 5  # text ids before the image (e.g. "<bos> system . user :")
PATCH = 14

# Widths of each size; all have 24 decoder layers, so layers 1, 5, 14, 23 exist in each.
SIZES = {
    # CI: a few MB.
    "tiny": dict(vision_width=32, vision_blocks=2, vision_heads=2, vision_mlp=64,
                 width=64, layers=24, heads=4, kv_heads=2, ffn=128, vocab=0),
    # SmolLM-135M's decoder widths at 24 layers, a ViT-B-wide tower of 4 blocks.
    "150m": dict(vision_width=768, vision_blocks=4, vision_heads=12, vision_mlp=3072,
                 width=576, layers=24, heads=9, kv_heads=3, ffn=1536, vocab=32000),
    # TinyLlama-1.1B's decoder widths at 24 layers, a ViT-L-wide tower of 4 blocks.
    "1.2b": dict(vision_width=1024, vision_blocks=4, vision_heads=16, vision_mlp=4096,
                 width=2048, layers=24, heads=32, kv_heads=4, ffn=5632, vocab=32000),
}
# 336x336 and 896x896 images, 14-px patches; "small" (84x112) for test fixtures.
GRIDS = {"base": (24, 24), "long": (64, 64), "small": (6, 8)}
DTYPES = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}

# The word tokenizer's vocabulary: specials, the words of the prompts, then fillers up
# to the model's vocabulary size (a random model generates any id).
WORDS = ["<pad>", "<bos>", "<eos>", "<unk>", "system", ".", "user", ":", "assistant", "what", "is", "in",
         "the", "image", "?", "describe", "a", "an", "of", "and", "picture", "photo", "there", "color",
         "red", "green", "blue", "yellow", "white", "black", "dog", "cat", "car", "person", "left", "right",
         "top", "bottom", "small", "large", "one", "two", "three", "where", "which", "object", "shape",
         "circle", "square", "triangle", "this", "that", "it", "on", "at", "to", "with", "see", "you",
         "can", "do", "how", "many", "are"]
DEFAULT_PROMPT = "system . user : what is in the image ? assistant :"  # 5 ids before the image


def vocabulary(size: int) -> List[str]:
    return WORDS + ["<w%d>" % i for i in range(len(WORDS), max(size, len(WORDS)))]


def config(size: str, grid: str = "base") -> dict:
    cfg = dict(SIZES[size])
    cfg["vocab"] = len(vocabulary(cfg["vocab"]))
    cfg["grid"] = GRIDS[grid]
    return cfg


def compute_dtype(storage: torch.dtype) -> torch.dtype:
    return torch.float32 if storage == torch.float16 else storage


def _param(shape: List[int], dtype: torch.dtype, device: str) -> nn.Parameter:
    return nn.Parameter(torch.empty(shape, dtype=dtype, device=device), requires_grad=False)


# ----------------------------------------------------------------------------- layers
# Each casts its weights to the activations' dtype where it uses them: a no-op (the same
# tensor) unless the weights are float16 (see the module docstring).
class Linear(nn.Module):
    def __init__(self, n_in: int, n_out: int, bias: bool, dtype: torch.dtype, device: str):
        super().__init__()
        self.weight = _param([n_out, n_in], dtype, device)
        self.bias = _param([n_out], dtype, device) if bias else None

    def forward(self, x: Tensor) -> Tensor:
        b = self.bias
        return F.linear(x, self.weight.to(x.dtype), b.to(x.dtype) if b is not None else None)


class LayerNorm(nn.Module):
    def __init__(self, n: int, dtype: torch.dtype, device: str):
        super().__init__()
        self.n = n
        self.weight = _param([n], dtype, device)
        self.bias = _param([n], dtype, device)

    def forward(self, x: Tensor) -> Tensor:
        return F.layer_norm(x, [self.n], self.weight.to(x.dtype), self.bias.to(x.dtype), 1e-5)


class RMSNorm(nn.Module):
    """Llama's: normalised in float32, scaled in the activations' dtype."""

    def __init__(self, n: int, dtype: torch.dtype, device: str):
        super().__init__()
        self.weight = _param([n], dtype, device)

    def forward(self, x: Tensor) -> Tensor:
        dtype = x.dtype
        h = x.to(torch.float32)
        h = h * torch.rsqrt(h.pow(2).mean(-1, keepdim=True) + 1e-6)
        return self.weight.to(dtype) * h.to(dtype)


# ----------------------------------------------------------------------------- vision tower
class VisionAttention(nn.Module):
    """CLIP's eager attention: [B*H, T, T] scores with bmm, softmax in the compute dtype."""

    def __init__(self, d: int, heads: int, dtype: torch.dtype, device: str):
        super().__init__()
        self.heads = heads
        self.dh = d // heads
        self.scale = self.dh ** -0.5
        self.q_proj = Linear(d, d, True, dtype, device)
        self.k_proj = Linear(d, d, True, dtype, device)
        self.v_proj = Linear(d, d, True, dtype, device)
        self.out_proj = Linear(d, d, True, dtype, device)

    def forward(self, x: Tensor) -> Tuple[Tensor, Tensor]:
        B, T, C = x.shape
        q = (self.q_proj(x) * self.scale).view(B, T, self.heads, self.dh).transpose(1, 2).reshape(B * self.heads, T, self.dh)
        k = self.k_proj(x).view(B, T, self.heads, self.dh).transpose(1, 2).reshape(B * self.heads, T, self.dh)
        v = self.v_proj(x).view(B, T, self.heads, self.dh).transpose(1, 2).reshape(B * self.heads, T, self.dh)
        weights = F.softmax(torch.bmm(q, k.transpose(1, 2)), dim=-1)
        out = torch.bmm(weights, v).view(B, self.heads, T, self.dh).transpose(1, 2).reshape(B, T, C)
        return self.out_proj(out), weights.view(B, self.heads, T, T)


class VisionBlock(nn.Module):
    def __init__(self, d: int, heads: int, mlp: int, dtype: torch.dtype, device: str):
        super().__init__()
        self.ln1 = LayerNorm(d, dtype, device)
        self.attn = VisionAttention(d, heads, dtype, device)
        self.ln2 = LayerNorm(d, dtype, device)
        self.fc1 = Linear(d, mlp, True, dtype, device)
        self.fc2 = Linear(mlp, d, True, dtype, device)

    def forward(self, x: Tensor) -> Tensor:
        x = x + self.attn(self.ln1(x))[0]
        h = self.fc1(self.ln2(x))
        return x + self.fc2(h * torch.sigmoid(1.702 * h))  # CLIP's quick GELU


class VisionTower(nn.Module):
    def __init__(self, cfg: dict, dtype: torch.dtype, device: str):
        super().__init__()
        d = cfg["vision_width"]
        gh, gw = cfg["grid"]
        self.patch = PATCH
        self.patch_weight = _param([d, 3, PATCH, PATCH], dtype, device)  # CLIP: no bias
        self.cls = _param([1, 1, d], dtype, device)
        self.pos = _param([1, 1 + gh * gw, d], dtype, device)
        self.pre_ln = LayerNorm(d, dtype, device)
        self.blocks = nn.ModuleList([VisionBlock(d, cfg["vision_heads"], cfg["vision_mlp"], dtype, device)
                                     for _ in range(cfg["vision_blocks"])])

    def forward(self, image: Tensor) -> Tensor:
        x = F.conv2d(image, self.patch_weight.to(image.dtype), stride=self.patch).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls.to(x.dtype).expand(x.shape[0], 1, x.shape[2]), x], dim=1) + self.pos.to(x.dtype)
        x = self.pre_ln(x)
        for block in self.blocks:
            x = block(x)
        return x


class Projector(nn.Module):
    def __init__(self, d_in: int, d: int, dtype: torch.dtype, device: str):
        super().__init__()
        self.fc1 = Linear(d_in, d, True, dtype, device)
        self.fc2 = Linear(d, d, True, dtype, device)

    def forward(self, x: Tensor) -> Tensor:
        return self.fc2(F.gelu(self.fc1(x)))


# ----------------------------------------------------------------------------- decoder
def rotate_half(x: Tensor) -> Tensor:
    half = x.shape[-1] // 2
    return torch.cat([-x[..., half:], x[..., :half]], dim=-1)


def repeat_kv(x: Tensor, n_rep: int) -> Tensor:
    """[B, KV, T, dh] -> [B, KV*n_rep, T, dh], as transformers' repeat_kv."""
    if n_rep == 1:
        return x
    B, KV, T, dh = x.shape
    return x[:, :, None, :, :].expand(B, KV, n_rep, T, dh).reshape(B, KV * n_rep, T, dh)


class Attention(nn.Module):
    """transformers' LlamaAttention, eager: returns (output, probabilities). The
    probabilities are the float32 softmax output, before the cast back to the compute
    dtype: what attnviz captures, and what the hooks of the Python way keep."""

    def __init__(self, d: int, heads: int, kv_heads: int, dtype: torch.dtype, device: str):
        super().__init__()
        self.heads = heads
        self.kv_heads = kv_heads
        self.dh = d // heads
        self.scaling = self.dh ** -0.5
        self.q_proj = Linear(d, heads * self.dh, False, dtype, device)
        self.k_proj = Linear(d, kv_heads * self.dh, False, dtype, device)
        self.v_proj = Linear(d, kv_heads * self.dh, False, dtype, device)
        self.o_proj = Linear(heads * self.dh, d, False, dtype, device)

    def forward(self, x: Tensor, cos: Tensor, sin: Tensor, mask: Tensor) -> Tuple[Tensor, Tensor]:
        B, T, _ = x.shape
        q = self.q_proj(x).view(B, T, self.heads, self.dh).transpose(1, 2)
        k = self.k_proj(x).view(B, T, self.kv_heads, self.dh).transpose(1, 2)
        v = self.v_proj(x).view(B, T, self.kv_heads, self.dh).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k = repeat_kv(k, self.heads // self.kv_heads)
        v = repeat_kv(v, self.heads // self.kv_heads)
        scores = torch.matmul(q, k.transpose(2, 3)) * self.scaling
        scores = scores + mask
        weights = F.softmax(scores, dim=-1, dtype=torch.float32)
        out = torch.matmul(weights.to(q.dtype), v)
        out = out.transpose(1, 2).reshape(B, T, self.heads * self.dh)
        return self.o_proj(out), weights


class MLP(nn.Module):
    def __init__(self, d: int, ffn: int, dtype: torch.dtype, device: str):
        super().__init__()
        self.gate_proj = Linear(d, ffn, False, dtype, device)
        self.up_proj = Linear(d, ffn, False, dtype, device)
        self.down_proj = Linear(ffn, d, False, dtype, device)

    def forward(self, x: Tensor) -> Tensor:
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class DecoderLayer(nn.Module):
    def __init__(self, cfg: dict, dtype: torch.dtype, device: str):
        super().__init__()
        d = cfg["width"]
        self.input_layernorm = RMSNorm(d, dtype, device)
        self.self_attn = Attention(d, cfg["heads"], cfg["kv_heads"], dtype, device)
        self.post_attention_layernorm = RMSNorm(d, dtype, device)
        self.mlp = MLP(d, cfg["ffn"], dtype, device)

    def forward(self, x: Tensor, cos: Tensor, sin: Tensor, mask: Tensor) -> Tensor:
        x = x + self.self_attn(self.input_layernorm(x), cos, sin, mask)[0]
        return x + self.mlp(self.post_attention_layernorm(x))


class Decoder(nn.Module):
    def __init__(self, cfg: dict, dtype: torch.dtype, device: str):
        super().__init__()
        self.dh = cfg["width"] // cfg["heads"]
        self.embed_tokens = _param([cfg["vocab"], cfg["width"]], dtype, device)
        self.layers = nn.ModuleList([DecoderLayer(cfg, dtype, device) for _ in range(cfg["layers"])])
        self.norm = RMSNorm(cfg["width"], dtype, device)

    def rope(self, T: int, dtype: torch.dtype, device: torch.device) -> Tuple[Tensor, Tensor]:
        """cos, sin [T, dh] of Llama's rotary embedding (base 10000), made in float32."""
        inv_freq = 1.0 / (10000.0 ** (torch.arange(0, self.dh, 2, device=device).float() / self.dh))
        freqs = torch.outer(torch.arange(T, device=device).float(), inv_freq)
        emb = torch.cat([freqs, freqs], dim=-1)
        return emb.cos().to(dtype), emb.sin().to(dtype)

    def forward(self, x: Tensor) -> Tensor:
        T = x.shape[1]
        cos, sin = self.rope(T, x.dtype, x.device)
        # transformers' eager causal mask: the dtype's minimum above the diagonal.
        low = -3.3895313892515355e38 if x.dtype == torch.bfloat16 else -3.4028234663852886e38
        mask = torch.full([T, T], low, dtype=x.dtype, device=x.device).triu(1)[None, None]
        for layer in self.layers:
            x = layer(x, cos, sin, mask)
        return self.norm(x)


class ScaleVLM(nn.Module):
    """half_compute: float16 weights compute in float16 too (libtorch 1.13's CPU kernels
    refuse it; for the test of that error)."""

    def __init__(self, cfg: dict, dtype: torch.dtype = torch.float32, device: str = "cpu",
                 half_compute: bool = False):
        super().__init__()
        self.text_prefix = TEXT_PREFIX
        self.half_compute = half_compute
        self.vision = VisionTower(cfg, dtype, device)
        self.projector = Projector(cfg["vision_width"], cfg["width"], dtype, device)
        self.lm = Decoder(cfg, dtype, device)
        self.lm_head = Linear(cfg["width"], cfg["vocab"], False, dtype, device)

    def forward(self, image: Tensor, input_ids: Tensor) -> Tensor:
        P = self.text_prefix
        if input_ids.shape[1] < P:
            raise ValueError("input_ids needs at least 5 ids: the text before the image")
        dtype = self.lm.norm.weight.dtype
        if dtype == torch.float16 and not self.half_compute:
            dtype = torch.float32
        patches = self.vision(image.to(dtype))[:, 1:]  # LLaVA drops CLS
        img = self.projector(patches)
        text = F.embedding(input_ids, self.lm.embed_tokens).to(dtype)
        x = torch.cat([text[:, :P], img, text[:, P:]], dim=1)
        h = self.lm(x)
        n = img.shape[1]
        h = torch.cat([h[:, :P], h[:, P + n:]], dim=1)
        return self.lm_head(h).float()


# ----------------------------------------------------------------------------- weights
def init_std(name: str, shape: Tuple[int, ...]) -> float:
    """Normal(0, 0.02) as transformers initialises Llama and CLIP, except the query and key
    projections, whose larger weights give attention logits of standard deviation ~2: the
    maps of a random model are then not flat, so comparisons of probabilities can fail."""
    if name.endswith(("q_proj.weight", "k_proj.weight")):
        return math.sqrt(2.0 / shape[1])
    return 0.02


def fill_weights(model: nn.Module, seed: int) -> None:
    """Seeded random weights, the same float32 values for every storage dtype: each
    parameter from a generator of its own (seed, index), so a half-precision archive holds
    the float32 archive's weights, rounded."""
    for i, (name, p) in enumerate(model.named_parameters()):
        leaf = name.rsplit(".", 1)[-1]
        if leaf == "bias":
            p.data.zero_()
        elif name.endswith(("norm.weight", "ln1.weight", "ln2.weight", "pre_ln.weight", "layernorm.weight")):
            p.data.fill_(1.0)
        else:
            g = torch.Generator().manual_seed(seed * 1_000_003 + i)
            p.data.copy_(torch.empty(p.shape, dtype=torch.float32).normal_(0.0, init_std(name, tuple(p.shape)),
                                                                           generator=g))


def parameter_count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def adopt_weights(model: nn.Module, state: dict) -> None:
    """Makes the parameters of `model` (built on the meta device) the given tensors,
    without copying: the eager model then costs no memory beyond the archive's weights.
    (torch >= 2.1 has load_state_dict(assign=True) for this.)"""
    names = {n for n, _ in model.named_parameters()}
    missing = names - set(state)
    if missing:
        raise KeyError("the archive lacks %s" % sorted(missing)[:3])
    for name in names:
        owner = model
        *path, leaf = name.split(".")
        for part in path:
            owner = getattr(owner, part)
        owner._parameters[leaf] = nn.Parameter(state[name], requires_grad=False)


def layer_attention_sites(n_layers: int) -> List[str]:
    return ["lm.layers.%d.self_attn" % i for i in range(n_layers)]
