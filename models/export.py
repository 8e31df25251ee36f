"""Export trained tinyvlm checkpoints to TorchScript with embedded attnviz metadata.

Usage:  /usr/bin/python3 models/export.py [--sizes base small] [--allow-untrained]
Reads   models/checkpoints/<size>/final.pt  (or the in-progress last.pt with --allow-untrained,
        or a freshly initialised model if none exists and --allow-untrained is given)
Writes  models/tinyvlm-<size>.pt  (torch.jit.script + _extra_files={"attnviz.json": ...})
"""
import argparse
import json
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import tinyvlm  # noqa: E402


def find_checkpoint(size, allow_untrained):
    d = os.path.join(HERE, "checkpoints", size)
    final = os.path.join(d, "final.pt")
    if os.path.exists(final):
        return final
    if not allow_untrained:
        raise SystemExit("no %s (train first, or pass --allow-untrained)" % final)
    last = os.path.join(d, "last.pt")
    return last if os.path.exists(last) else None


def export(size, allow_untrained=False, out=None):
    cfg = tinyvlm.CONFIGS[size]
    model = tinyvlm.TinyVLM(cfg)
    ck = find_checkpoint(size, allow_untrained)
    meta = tinyvlm.metadata("tinyvlm-" + size, cfg)
    if ck:
        state = torch.load(ck, map_location="cpu")
        model.load_state_dict(state["model"])
        meta["training"] = {"checkpoint": os.path.relpath(ck, HERE), "step": state.get("step")}
        if "eval" in state:
            meta["training"]["eval"] = state["eval"]
    else:
        meta["training"] = {"checkpoint": None, "note": "UNTRAINED (random init), placeholder for integration"}
    model.eval()
    scripted = torch.jit.script(model)
    out = out or os.path.join(HERE, "tinyvlm-%s.pt" % size)
    torch.jit.save(scripted, out, _extra_files={"attnviz.json": json.dumps(meta)})
    return out, meta


def check(path):
    extra = {"attnviz.json": ""}
    m = torch.jit.load(path, _extra_files=extra)
    meta = json.loads(extra["attnviz.json"])
    assert meta["format"] == "attnviz" and meta["version"] == 1
    img = torch.zeros(1, 3, 64, 64)
    ids = torch.tensor([[tinyvlm.BOS] + tinyvlm.encode(meta["generation"]["default_prompt"])])
    with torch.no_grad():
        for b, g in meta["budgets"]["grids"].items():
            out = m(img, ids, int(b))
            assert out.shape == (1, ids.shape[1], len(meta["tokenizer"]["vocab"])), out.shape
    return meta


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", nargs="+", default=["base", "small"])
    ap.add_argument("--allow-untrained", action="store_true")
    a = ap.parse_args()
    for s in a.sizes:
        p, meta = export(s, a.allow_untrained)
        check(p)
        print("wrote %s (%.2f MB), training=%s" % (p, os.path.getsize(p) / 1e6, meta["training"]))
