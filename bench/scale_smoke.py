#!/usr/bin/env python3
"""CI smoke of the scale benchmark models (issue 14): nothing timed.

    scale_smoke.py ATTNVIZ OUTDIR IMAGE [--legacy-layout]

Makes the tiny version of each benchmark model (bench/make_vlm_scale.py --sizes tiny
--long: fp32, bf16 and fp16, 576 and 4096 image tokens) in OUTDIR and runs ATTNVIZ once
on each with --layers 1,5,14,23 --view overlay,grid (two generated tokens at 576 image
tokens; the prompt only at 4096). Fails unless each run writes the overlay, the grid and
a JSON whose four layers map onto the model's image-token grid after its 5 text ids.
--legacy-layout: archives without the segment layout, and --image-tokens 5:HxW.
"""
import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True

import make_vlm_scale  # noqa: E402
import vlm_scale  # noqa: E402

LAYERS = [1, 5, 14, 23]


def check(out, stem, grid, archive):
    problems = []
    for suffix in (".overlay.png", ".grid.png", ".json"):
        path = os.path.join(out, stem + suffix)
        if not os.path.isfile(path) or os.path.getsize(path) == 0:
            problems.append("%s was not written" % path)
    if problems:
        return problems
    with open(os.path.join(out, stem + ".json")) as f:
        doc = json.load(f)
    indices = [layer["index"] for layer in doc["layers"]]
    if indices != LAYERS:
        problems.append("%s: layers %s, expected %s" % (archive, indices, LAYERS))
    for layer in doc["layers"]:
        span = layer.get("image_tokens") or {}
        if span.get("offset") != vlm_scale.TEXT_PREFIX or span.get("grid") != list(grid):
            problems.append("%s: layer %d image tokens %s, expected offset %d grid %s" % (
                archive, layer["index"], span, vlm_scale.TEXT_PREFIX, list(grid)))
        if (layer.get("map") or {}).get("grid") != list(grid):
            problems.append("%s: layer %d has no %dx%d map" % (archive, layer["index"], grid[0], grid[1]))
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("attnviz")
    ap.add_argument("outdir")
    ap.add_argument("image")
    ap.add_argument("--legacy-layout", action="store_true")
    a = ap.parse_args()
    layout = "legacy" if a.legacy_layout else "new"
    models = os.path.join(a.outdir, "models")
    subprocess.run([sys.executable, "-B", os.path.join(HERE, "make_vlm_scale.py"), models, "--sizes", "tiny",
                    "--long", "--layout", layout], check=True)
    problems = []
    for grid_name in ("base", "long"):
        grid = vlm_scale.GRIDS[grid_name]
        for dtype in vlm_scale.DTYPES:
            name = make_vlm_scale.archive_name("tiny", grid_name, dtype, layout)
            out = os.path.join(a.outdir, "out", name[:-3])
            cmd = [a.attnviz, "run", os.path.join(models, name), a.image, "--layers", ",".join(map(str, LAYERS)),
                   "--view", "overlay,grid", "--threads", "1", "--out", out]
            cmd += ["--max-new-tokens", "2"] if grid_name == "base" else ["--no-generate"]
            if a.legacy_layout:
                cmd += ["--image-tokens", "%d:%dx%d" % (vlm_scale.TEXT_PREFIX, grid[0], grid[1])]
            r = subprocess.run(cmd, capture_output=True, text=True)
            if r.returncode != 0:
                problems.append("%s: exit %d: %s" % (name, r.returncode, r.stderr.strip()[-500:]))
                continue
            found = check(out, os.path.splitext(os.path.basename(a.image))[0], grid, name)
            problems += found
            print("%s: %s" % (name, "ok" if not found else "FAILED"))
    for p in problems:
        print("scale_smoke: " + p, file=sys.stderr)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
