#!/usr/bin/env python3
"""A synthetic vision-language decoder for the memory and capture-overhead benchmarks.

    make_bench_model.py OUT.pt [--layers 24] [--width 128] [--heads 8] [--grid 32x64] [--patch 8]

Random weights (seeded), no training: only its shapes matter. An 8x8-pixel patch
embedding turns the image into grid_h x grid_w image tokens (32x64 = 2048 for the default
256x512 input), the prompt's tokens follow them, and `layers` pre-LN decoder blocks run over
the whole sequence: image tokens attend to each other, text attends to the image and
causally to text. Attention is explicit, softmax over [B, H, T, T], at `lm.layers.N.attn`,
as in most VLMs' eager attention. The patch embedding accepts any image size that is a
multiple of the patch, so one model serves every sequence length (bench_capture --image).
It is written with attnviz metadata (docs/metadata.md), outside the repository
(bench/run.sh puts it in the build directory).
"""
import argparse
import json
import math
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

VOCAB = ["<pad>", "<bos>", "<eos>", "<unk>", "what", "color", "is", "the", "circle", "square",
         "?", "red", "green", "blue", "a", "."]


class Attention(nn.Module):
    def __init__(self, d: int, heads: int):
        super().__init__()
        self.heads = heads
        self.dh = d // heads
        self.scale = 1.0 / math.sqrt(self.dh)
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)

    def forward(self, x: Tensor, mask: Tensor) -> Tensor:
        B, T, C = x.shape
        qkv = self.qkv(x).reshape(B, T, 3, self.heads, self.dh).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        att = torch.softmax(torch.matmul(q, k.transpose(-2, -1)) * self.scale + mask, dim=-1)
        out = torch.matmul(att, v).transpose(1, 2).reshape(B, T, C)
        return self.proj(out)


class Block(nn.Module):
    def __init__(self, d: int, heads: int):
        super().__init__()
        self.ln1 = nn.LayerNorm(d)
        self.attn = Attention(d, heads)
        self.ln2 = nn.LayerNorm(d)
        self.fc1 = nn.Linear(d, 4 * d)
        self.fc2 = nn.Linear(4 * d, d)

    def forward(self, x: Tensor, mask: Tensor) -> Tensor:
        x = x + self.attn(self.ln1(x), mask)
        return x + self.fc2(F.gelu(self.fc1(self.ln2(x))))


class LM(nn.Module):
    def __init__(self, d: int, heads: int, layers: int, vocab: int):
        super().__init__()
        self.tok = nn.Embedding(vocab, d)
        self.layers = nn.ModuleList([Block(d, heads) for _ in range(layers)])
        self.ln = nn.LayerNorm(d)
        self.head = nn.Linear(d, vocab, bias=False)


class BenchVLM(nn.Module):
    def __init__(self, d: int, heads: int, layers: int, patch: int):
        super().__init__()
        self.patch = nn.Conv2d(3, d, kernel_size=patch, stride=patch)
        self.lm = LM(d, heads, layers, len(VOCAB))

    def forward(self, image: Tensor, input_ids: Tensor) -> Tensor:
        img = self.patch(image).flatten(2).transpose(1, 2)  # [1, n, d], row-major patches
        n = img.shape[1]
        L = input_ids.shape[1]
        x = torch.cat([img, self.lm.tok(input_ids)], dim=1)
        T = n + L
        i = torch.arange(T, device=x.device)
        q = i.unsqueeze(1)
        k = i.unsqueeze(0)
        allowed = (k < n) | (k <= q)  # everything sees the image; text is causal
        allowed = allowed & ((q >= n) | (k < n))  # image tokens see only image tokens
        mask = torch.zeros(T, T, dtype=x.dtype, device=x.device).masked_fill(~allowed, -1e9)
        for layer in self.lm.layers:
            x = layer(x, mask)
        return self.lm.head(self.lm.ln(x[:, n:]))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("--layers", type=int, default=24)
    ap.add_argument("--width", type=int, default=128)
    ap.add_argument("--heads", type=int, default=8)
    ap.add_argument("--grid", default="32x64", help="image-token grid HxW of the default input size")
    ap.add_argument("--patch", type=int, default=8)
    a = ap.parse_args()
    gh, gw = (int(v) for v in a.grid.split("x"))
    torch.manual_seed(0)
    model = BenchVLM(a.width, a.heads, a.layers, a.patch).eval()
    meta = {
        "format": "attnviz",
        "version": 1,
        "name": "bench-vlm-%dL-%dx%d" % (a.layers, gh, gw),
        "description": "synthetic benchmark decoder, random weights (bench/make_bench_model.py)",
        "inputs": ["image", "input_ids"],
        "output": "logits",
        "preprocess": {"size": [gh * a.patch, gw * a.patch], "channel_order": "RGB", "scale": 255.0,
                       "mean": [0.5, 0.5, 0.5], "std": [0.25, 0.25, 0.25]},
        "stacks": {"lm": {"image_tokens": {"offset": 0, "grid": [gh, gw]}}},
        "tokenizer": {"type": "words", "vocab": VOCAB, "bos": "<bos>", "eos": "<eos>", "unk": "<unk>",
                      "pad": "<pad>"},
        "generation": {"max_new_tokens": 1, "default_prompt": "what color is the circle?"},
    }
    scripted = torch.jit.script(model)
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    tmp = a.out + ".tmp"
    torch.jit.save(scripted, tmp, _extra_files={"attnviz.json": json.dumps(meta)})
    os.replace(tmp, a.out)
    print("wrote %s: %d layers, width %d, %d heads, %d image tokens at %dx%d" %
          (a.out, a.layers, a.width, a.heads, gh * gw, gh * a.patch, gw * a.patch), file=sys.stderr)


if __name__ == "__main__":
    main()
