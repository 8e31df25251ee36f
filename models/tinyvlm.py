"""tinyvlm: a tiny, TorchScript-scriptable vision-language model with grounded attention.

Sequence layout in the language model: [image tokens (budget)][text tokens (L)].

* Vision encoder: conv stem (three 3x3 stride-2 convs + two residual 3x3 convs at 8x8), so
  each token is an 8x8-pixel patch of the 64x64 image -> 8x8 grid = 64 tokens, learned 2D
  position embedding, pre-LN ViT blocks; attention modules at `vision.blocks.N.attn`.
* Matryoshka budgets: the 8x8 patch grid is adaptive-average-pooled to an h x w grid
  (4 -> 2x2, 8 -> 2x4, 16 -> 4x4, 32 -> 4x8, 64 -> 8x8), projected to the LM width, plus a
  learned 8x8 LM position embedding pooled the same way.
* Language model: 24 pre-LN decoder layers at `lm.layers.N.attn`. Image tokens attend to
  image tokens only (bidirectional); text tokens attend causally to text. Image tokens are a
  fixed memory inside the LM: every layer computes their keys/values/queries and attention rows,
  but only text tokens are updated (residual + MLP), so the LM image tokens are exactly the
  (pooled, projected) vision features at every layer.
  GROUNDING BOTTLENECK: text tokens may attend to image tokens ONLY in the "read" layers
  (cfg.read_layers, 3 and 12); in every other layer the text->image attention is masked
  (exactly 0). Training adds (a) an auxiliary loss on the read layers' attention of the query
  rows that predict the answer, pushing it onto the asked-about object's cells, and (b) a dense
  per-cell shape/colour probe loss on the LM image tokens (training-only linear heads).
* Attention is computed explicitly: att = torch.softmax(scores, dim=-1) ([B,H,T,T]); att @ v.
"""
import math
import re
from typing import List, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

import scenes

# ----------------------------------------------------------------------------- tokenizer
SPECIALS = ["<pad>", "<bos>", "<eos>", "<unk>"]
WORDS = ["a", "and", ",", ".", "?", ":", "what", "color", "is", "the", "which", "shape",
         "provide", "one-sentence", "caption", "for", "image"] + scenes.SHAPES + scenes.COLORS
VOCAB = SPECIALS + WORDS
STOI = {w: i for i, w in enumerate(VOCAB)}
PAD, BOS, EOS, UNK = 0, 1, 2, 3
_PUNCT = re.compile(r"([.,?!:;])")


def tokenize(text):
    """docs/metadata.md "words" tokenizer: lower-case, split on white space, each of
    . , ? ! : ; is a token of its own."""
    return _PUNCT.sub(r" \1 ", text.lower()).split()


def encode(text):
    return [STOI.get(w, UNK) for w in tokenize(text)]


def decode(ids):
    out = []
    for i in ids:
        if i == EOS:
            break
        out.append(VOCAB[i])
    return " ".join(out)


# ----------------------------------------------------------------------------- configs
CONFIGS = {
    "base": dict(d=64, heads=4, vision_layers=2, lm_layers=24, read_layers=[3, 12], mlp=4, max_text=32),
    "small": dict(d=32, heads=2, vision_layers=2, lm_layers=24, read_layers=[3, 12], mlp=4, max_text=32),
}
BUDGET_GRIDS = {4: [2, 2], 8: [2, 4], 16: [4, 4], 32: [4, 8], 64: [8, 8]}
MEAN = [0.5, 0.5, 0.5]
STD = [0.25, 0.25, 0.25]
GRID = 8
PATCH = 8


def budget_grid(budget: int) -> Tuple[int, int]:
    if budget == 64:
        return 8, 8
    if budget == 32:
        return 4, 8
    if budget == 16:
        return 4, 4
    if budget == 8:
        return 2, 4
    if budget == 4:
        return 2, 2
    raise RuntimeError("unsupported visual token budget (use 4, 8, 16, 32 or 64)")


# ----------------------------------------------------------------------------- modules
class Attention(nn.Module):
    def __init__(self, d: int, heads: int):
        super().__init__()
        self.heads = heads
        self.dh = d // heads
        self.scale = 1.0 / math.sqrt(self.dh)
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)

    def forward(self, x: Tensor, mask: Tensor, n_keep: int) -> Tuple[Tensor, Tensor]:
        """Returns (projected output for tokens n_keep.., attention [B,H,T,T])."""
        B, T, C = x.shape
        qkv = self.qkv(x).reshape(B, T, 3, self.heads, self.dh).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]                       # [B,H,T,dh]
        scores = torch.matmul(q, k.transpose(-2, -1)) * self.scale + mask
        att = torch.softmax(scores, dim=-1)                    # [B,H,T,T]
        out = torch.matmul(att, v)                             # [B,H,T,dh]
        out = out.transpose(1, 2).reshape(B, T, C)[:, n_keep:]
        return self.proj(out), att


class Block(nn.Module):
    def __init__(self, d: int, heads: int, mlp: int, reads_image: bool = True):
        super().__init__()
        self.img_block = 0.0 if reads_image else -1e9
        self.ln1 = nn.LayerNorm(d)
        self.attn = Attention(d, heads)
        self.ln2 = nn.LayerNorm(d)
        self.fc1 = nn.Linear(d, mlp * d)
        self.fc2 = nn.Linear(mlp * d, d)

    def forward(self, x: Tensor, mask: Tensor, n_keep: int) -> Tuple[Tensor, Tensor]:
        """Pre-LN block. The first n_keep tokens are passed through unchanged (they are still
        keys/values and still have attention rows); the rest get attention + MLP updates."""
        a, att = self.attn(self.ln1(x), mask, n_keep)
        y = x[:, n_keep:] + a
        y = y + self.fc2(F.gelu(self.fc1(self.ln2(y))))
        return torch.cat([x[:, :n_keep], y], dim=1), att


class Vision(nn.Module):
    def __init__(self, d: int, heads: int, layers: int, mlp: int):
        super().__init__()
        # conv stem -> 8x8 grid (one token per 8x8-pixel patch); receptive field 47 px, so every
        # token sees the whole object it lies on (needed to learn shapes quickly)
        self.stem1 = nn.Conv2d(3, 16, kernel_size=3, stride=2, padding=1)
        self.stem2 = nn.Conv2d(16, 32, kernel_size=3, stride=2, padding=1)
        self.patch = nn.Conv2d(32, d, kernel_size=3, stride=2, padding=1)
        self.conv4 = nn.Conv2d(d, d, kernel_size=3, stride=1, padding=1)
        self.conv5 = nn.Conv2d(d, d, kernel_size=3, stride=1, padding=1)
        self.pos = nn.Parameter(torch.randn(1, GRID * GRID, d) * 0.02)
        self.blocks = nn.ModuleList([Block(d, heads, mlp) for _ in range(layers)])
        self.ln = nn.LayerNorm(d)

    def forward(self, image: Tensor) -> Tensor:
        h = F.gelu(self.stem2(F.gelu(self.stem1(image))))
        h = self.patch(h)                                              # [B,d,8,8]
        h = h + self.conv4(F.gelu(h))
        h = h + self.conv5(F.gelu(h))
        x = h.flatten(2).transpose(1, 2) + self.pos                    # [B,64,d]
        T = x.shape[1]
        mask = torch.zeros(T, T, dtype=x.dtype, device=x.device)
        for blk in self.blocks:
            x, _ = blk(x, mask, 0)
        return self.ln(x)


class LM(nn.Module):
    def __init__(self, d: int, heads: int, layers: int, mlp: int, read_layers: List[int], vocab: int,
                 max_text: int):
        super().__init__()
        self.tok = nn.Embedding(vocab, d)
        self.pos = nn.Parameter(torch.randn(1, max_text, d) * 0.02)
        self.img_pos = nn.Parameter(torch.randn(1, d, GRID, GRID) * 0.02)
        self.layers = nn.ModuleList([Block(d, heads, mlp, i in read_layers) for i in range(layers)])
        self.ln = nn.LayerNorm(d)
        self.head = nn.Linear(d, vocab, bias=False)


class TinyVLM(nn.Module):
    def __init__(self, cfg: dict):
        super().__init__()
        d, h, mlp = cfg["d"], cfg["heads"], cfg["mlp"]
        self.vision = Vision(d, h, cfg["vision_layers"], mlp)
        self.img_proj = nn.Linear(d, d)
        self.lm = LM(d, h, cfg["lm_layers"], mlp, cfg["read_layers"], len(VOCAB), cfg["max_text"])
        self.max_text = cfg["max_text"]
        self.grid = GRID
        self.apply(self._init)
        nl = cfg["lm_layers"] + cfg["vision_layers"]
        for n, p in self.named_parameters():
            if n.endswith("attn.proj.weight") or n.endswith("fc2.weight"):
                nn.init.normal_(p, 0.0, 0.02 / math.sqrt(2 * nl))

    @staticmethod
    def _init(m):
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, 0.0, 0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Embedding):
            nn.init.normal_(m.weight, 0.0, 0.02)

    def image_tokens(self, image: Tensor, budget: int) -> Tensor:
        gh, gw = budget_grid(budget)
        feats = self.vision(image)                                    # [B,64,d]
        B, N, D = feats.shape
        g = feats.transpose(1, 2).reshape(B, D, self.grid, self.grid)
        g = F.adaptive_avg_pool2d(g, [gh, gw]).flatten(2).transpose(1, 2)    # [B,n,d]
        pos = F.adaptive_avg_pool2d(self.lm.img_pos, [gh, gw]).flatten(2).transpose(1, 2)
        return self.img_proj(g) + pos

    def masks(self, n_img: int, L: int, device: torch.device) -> Tuple[Tensor, Tensor]:
        """Additive masks [T,T]: base (image<->image bidirectional, causal text, text->image
        allowed) and the text->image indicator (1.0 where a text query meets an image key).
        A layer's mask is base + indicator * layer.img_block, with img_block = 0 (read layer)
        or -1e9 (text cannot see the image; softmax gives exactly 0 there)."""
        T = n_img + L
        i = torch.arange(T, device=device)
        q = i.unsqueeze(1)
        k = i.unsqueeze(0)
        q_img = q < n_img
        k_img = k < n_img
        allowed = (q_img & k_img) | ((~q_img) & (~k_img) & (k <= q)) | ((~q_img) & k_img)
        zero = torch.zeros(T, T, device=device)
        base = zero.masked_fill(~allowed, -1e9)
        txt_img = ((~q_img) & k_img).to(zero.dtype)
        return base, txt_img

    def run_train(self, image: Tensor, input_ids: Tensor, budget: int) -> Tuple[Tensor, List[Tensor], Tensor]:
        """Eager training path (not scripted): logits, the attention of the read layers, and the
        hidden states of the image tokens entering the first read layer (for the dense probe loss)."""
        img = self.image_tokens(image, budget)
        n_img = img.shape[1]
        L = input_ids.shape[1]
        x = torch.cat([img, self.lm.tok(input_ids) + self.lm.pos[:, :L]], dim=1)
        base, txt_img = self.masks(n_img, L, x.device)
        atts: List[Tensor] = []
        img_hidden = x[:, :n_img]
        for layer in self.lm.layers:
            x, att = layer(x, base + txt_img * layer.img_block, n_img)
            if layer.img_block == 0.0:
                atts.append(att)
        x = self.lm.ln(x[:, n_img:])
        return self.lm.head(x), atts, img_hidden

    def forward(self, image: Tensor, input_ids: Tensor, budget: int) -> Tensor:
        img = self.image_tokens(image, budget)
        n_img = img.shape[1]
        L = input_ids.shape[1]
        x = torch.cat([img, self.lm.tok(input_ids) + self.lm.pos[:, :L]], dim=1)
        base, txt_img = self.masks(n_img, L, x.device)
        for layer in self.lm.layers:
            x, _ = layer(x, base + txt_img * layer.img_block, n_img)
        x = self.lm.ln(x[:, n_img:])
        return self.lm.head(x)


# ----------------------------------------------------------------------------- helpers
def preprocess(rgb_uint8):
    """uint8 [H,W,3] RGB (64x64) -> float32 tensor [1,3,64,64] per the metadata preprocess."""
    x = torch.from_numpy(rgb_uint8).float().div(255.0).permute(2, 0, 1)
    m = torch.tensor(MEAN).view(3, 1, 1)
    s = torch.tensor(STD).view(3, 1, 1)
    return ((x - m) / s).unsqueeze(0)


def metadata(name, cfg):
    return {
        "format": "attnviz",
        "version": 1,
        "name": name,
        "description": ("tinyvlm-%s: tiny vision-language model trained on synthetic 64x64 shape scenes "
                        "(attnviz models/). ViT encoder (8x8 patches, %d layers) + %d-layer decoder LM, "
                        "width %d, %d heads. Answers 'what color is the <shape>?', 'which shape is "
                        "<color>?' and captions." % (name.split("-")[-1], cfg["vision_layers"],
                                                     cfg["lm_layers"], cfg["d"], cfg["heads"])),
        "inputs": ["image", "input_ids", "budget"],
        "output": "logits",
        "preprocess": {"size": [64, 64], "channel_order": "RGB", "scale": 255.0, "mean": MEAN, "std": STD},
        "stacks": {
            "vision": {"image_tokens": {"offset": 0, "grid": [GRID, GRID]}},
            "lm": {"image_tokens": {"offset": 0, "grid": "budget"}},
        },
        "budgets": {"default": 64, "grids": {str(k): v for k, v in BUDGET_GRIDS.items()}},
        "tokenizer": {"type": "words", "vocab": VOCAB, "bos": "<bos>", "eos": "<eos>", "unk": "<unk>",
                      "pad": "<pad>"},
        "generation": {"max_new_tokens": 16, "default_prompt": "what color is the circle?"},
        "grounding": {
            "design": "architectural bottleneck + auxiliary attention loss",
            "read_layers": cfg["read_layers"],
            "text": ("Text tokens can attend to image tokens only in lm.layers.%s; in all other LM layers "
                     "text->image attention is masked to exactly 0 (image tokens attend only to image "
                     "tokens, bidirectionally, and are not updated by LM layers; text is causal). During "
                     "training an auxiliary loss (-log of the attention mass, per head, on the asked-about "
                     "object's cells, renormalised over image tokens) is applied in those layers to the "
                     "query row that predicts the answer (and, for captions, to the rows predicting each "
                     "object's colour and shape), plus a dense per-cell shape/colour probe loss on the image "
                     "tokens. The attention in the read layers is grounded by construction and supervision, "
                     "not emergent." % " and ".join(str(r) for r in cfg["read_layers"])),
        },
    }
