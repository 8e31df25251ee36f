#!/usr/bin/env python3
"""LLaVA-shaped TorchScript benchmark models with random weights (issue 14; bench/README.md).

    make_vlm_scale.py OUTDIR [--sizes tiny,150m,1.2b] [--dtypes fp32,bf16,fp16] [--long]
                      [--layout new|legacy|both] [--seed 0] [--force]

Writes OUTDIR/vlm-SIZE-GRID-DTYPE.pt (e.g. vlm-150m-24x24-bf16.pt): the architecture of
bench/vlm_scale.py, 24 decoder layers, 576 image tokens (a 336x336 image, 14-px patches)
after 5 text ids; --long adds the 4096-token variant (896x896, 64x64) of each size.
The archives go outside the repository (a build directory); they are never committed.

Metadata (docs/metadata.md) embedded in each: preprocess (CLIP's mean and std), a word
tokenizer, "output": "logits", and the token layout of both stacks:
  --layout new     the segment form of issue 12:
                   lm: [{"text": 5}, {"image": [24, 24]}, {"text": "rest"}]
  --layout legacy  only the vision stack, in the image_tokens form; for binaries that
                   cannot read segments: pass --image-tokens 5:24x24 (file: ...-legacy.pt)
An archive is written again only when its metadata (which names the seed and a hash of
bench/vlm_scale.py) differs, or with --force. The same seed gives the same bytes: each
archive is made in a process of its own, so TorchScript's class names do not depend on
which other archives were made before it.
"""
import argparse
import hashlib
import json
import os
import subprocess
import sys
import time
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True

import vlm_scale  # noqa: E402

CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073]
CLIP_STD = [0.26862954, 0.26130258, 0.27577711]


def archive_name(size, grid, dtype, layout):
    gh, gw = vlm_scale.GRIDS[grid]
    return "vlm-%s-%dx%d-%s%s.pt" % (size, gh, gw, dtype, "-legacy" if layout == "legacy" else "")


def source_hash():
    with open(os.path.join(HERE, "vlm_scale.py"), "rb") as f:
        return hashlib.sha1(f.read()).hexdigest()[:12]


def metadata(size, grid, dtype, layout, seed, params):
    cfg = vlm_scale.config(size, grid)
    gh, gw = cfg["grid"]
    if layout == "new":
        stacks = {"vision": {"layout": [{"prefix": 1}, {"image": [gh, gw]}]},
                  "lm": {"layout": [{"text": vlm_scale.TEXT_PREFIX}, {"image": [gh, gw]}, {"text": "rest"}]}}
    else:
        stacks = {"vision": {"image_tokens": {"offset": 1, "grid": [gh, gw]}}}
    return {
        "format": "attnviz",
        "version": 1,
        "name": archive_name(size, grid, dtype, layout)[:-3],
        "description": "LLaVA-shaped benchmark model, random weights (seed %d), %d parameters stored in %s; "
                       "bench/make_vlm_scale.py, bench/vlm_scale.py %s" % (seed, params, dtype, source_hash()),
        "inputs": ["image", "input_ids"],
        "output": "logits",
        "preprocess": {"size": [gh * vlm_scale.PATCH, gw * vlm_scale.PATCH], "channel_order": "RGB",
                       "scale": 255.0, "mean": CLIP_MEAN, "std": CLIP_STD},
        "stacks": stacks,
        "tokenizer": {"type": "words", "vocab": vlm_scale.vocabulary(cfg["vocab"]), "bos": "<bos>",
                      "eos": "<eos>", "unk": "<unk>", "pad": "<pad>"},
        "generation": {"max_new_tokens": 16, "default_prompt": vlm_scale.DEFAULT_PROMPT},
    }


def existing_metadata(path):
    try:
        with zipfile.ZipFile(path) as z:
            for name in z.namelist():
                if name.endswith("/extra/attnviz.json"):
                    return z.read(name).decode()
    except (OSError, zipfile.BadZipFile):
        pass
    return None


def meta_parameter_count(size, grid):
    """Without building the weights: on the meta device."""
    return vlm_scale.parameter_count(vlm_scale.ScaleVLM(vlm_scale.config(size, grid), device="meta"))


def make_one(size, grid, dtype, layout, seed, out):
    """In this process: build, fill, script and save one archive (atomically)."""
    import torch
    torch.set_grad_enabled(False)
    cfg = vlm_scale.config(size, grid)
    t0 = time.perf_counter()
    model = vlm_scale.ScaleVLM(cfg, vlm_scale.DTYPES[dtype]).eval()
    vlm_scale.fill_weights(model, seed)
    params = vlm_scale.parameter_count(model)
    meta = json.dumps(metadata(size, grid, dtype, layout, seed, params))
    scripted = torch.jit.script(model)
    tmp = out + ".tmp"
    torch.jit.save(scripted, tmp, _extra_files={"attnviz.json": meta})
    os.replace(tmp, out)
    print("wrote %s: %d parameters, %.1f MB, %.1f s" % (out, params, os.path.getsize(out) / 1e6,
                                                        time.perf_counter() - t0), file=sys.stderr)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("outdir")
    ap.add_argument("--sizes", default="tiny,150m,1.2b")
    ap.add_argument("--dtypes", default="fp32,bf16,fp16")
    ap.add_argument("--long", action="store_true", help="also the 4096-image-token (64x64) variant of each size")
    ap.add_argument("--long-only", action="store_true", help="only the 4096-image-token variant")
    ap.add_argument("--layout", default="new", choices=["new", "legacy", "both"])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--force", action="store_true", help="write even when an identical archive exists")
    ap.add_argument("--one", nargs=5, metavar=("SIZE", "GRID", "DTYPE", "LAYOUT", "SEED"), help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.one:
        size, grid, dtype, layout, seed = a.one
        make_one(size, grid, dtype, layout, int(seed), a.outdir)
        return
    sizes = [s for s in a.sizes.split(",") if s]
    dtypes = [d for d in a.dtypes.split(",") if d]
    for s in sizes:
        if s not in vlm_scale.SIZES:
            sys.exit("make_vlm_scale: unknown size '%s' (%s)" % (s, ", ".join(vlm_scale.SIZES)))
    for d in dtypes:
        if d not in vlm_scale.DTYPES:
            sys.exit("make_vlm_scale: unknown dtype '%s' (%s)" % (d, ", ".join(vlm_scale.DTYPES)))
    grids = ["long"] if a.long_only else (["base", "long"] if a.long else ["base"])
    layouts = ["new", "legacy"] if a.layout == "both" else [a.layout]
    os.makedirs(a.outdir, exist_ok=True)
    for size in sizes:
        for grid in grids:
            for dtype in dtypes:
                for layout in layouts:
                    out = os.path.join(a.outdir, archive_name(size, grid, dtype, layout))
                    if not a.force and os.path.exists(out):
                        params = meta_parameter_count(size, grid)
                        if existing_metadata(out) == json.dumps(metadata(size, grid, dtype, layout, a.seed, params)):
                            print("up to date: %s" % out, file=sys.stderr)
                            continue
                    subprocess.run([sys.executable, "-B", os.path.abspath(__file__), out, "--one", size, grid,
                                    dtype, layout, str(a.seed)], check=True)


if __name__ == "__main__":
    main()
