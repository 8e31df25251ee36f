#!/usr/bin/env python3
"""The Python way at benchmark scale (issue 14; bench/README.md): what attnviz replaces.

    python_way_scale.py MODEL.pt IMAGE... [--layers 1,5,14,23|all] [--keep full|last-row]
                        [--bare] [--out DIR] [--threads N] [--mem-cap-gib G] [--check] [--smoke]

MODEL.pt is an archive of bench/make_vlm_scale.py. Done as a PyTorch user does it: the
EAGER model (bench/vlm_scale.py) with the archive's weights, forward hooks on the chosen
`lm.layers.N.self_attn` modules keeping what they return as attention probabilities
(`--keep full`: the whole [1, heads, T, T] tensor of each layer, as hooks usually do and
as transformers' output_attentions=True does with `--layers all`; `--keep last-row`: only
the last query row, as a careful user would), then the overlay of the last query row over
the image-token grid: heads averaged, upsampled, viridis, blended 50/50, one panel per
layer (cv2, the same drawing as bench/python_way.py), and a JSON of the maps.
`--bare`: the same forward without hooks, nothing kept (the reference for memory).

Prints one JSON line per image ({"image", "seconds", "cpu_s", "forward_s", ...}, from
reading the image to the files written; cpu_s counts every thread) and a last line with the load time, the bytes the hooks
kept, peak RSS and "status" ("ok", or "out_of_memory" with exit code 3 when an allocation
fails, e.g. under --mem-cap-gib, an address-space limit set before loading).
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SKIP = 77  # CTest's skip code (--smoke)

if "--smoke" in sys.argv and len(sys.argv) > 1 and not os.path.exists(sys.argv[1]):
    print("python_way_scale: %s is absent; skipped" % sys.argv[1], file=sys.stderr)
    sys.exit(SKIP)

import argparse  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
import resource  # noqa: E402
import time  # noqa: E402

sys.path.insert(0, HERE)
sys.dont_write_bytecode = True

import cv2  # noqa: E402
import torch  # noqa: E402

import python_way  # noqa: E402  (preprocessing and the overlay drawing of the small-model Python way)
import vlm_scale  # noqa: E402

OUT_OF_MEMORY = 3


def load(path, check):
    """The eager model sharing the archive's weights (no copy), and the metadata."""
    extra = {"attnviz.json": ""}
    scripted = torch.jit.load(path, map_location="cpu", _extra_files=extra)
    meta = json.loads(extra["attnviz.json"])
    m = re.match(r"vlm-([^-]+)-(\d+)x(\d+)-", meta["name"])
    if not m:
        sys.exit("python_way_scale: %s is not an archive of bench/make_vlm_scale.py" % path)
    grid = "long" if (int(m.group(2)), int(m.group(3))) == vlm_scale.GRIDS["long"] else "base"
    cfg = vlm_scale.config(m.group(1), grid)
    model = vlm_scale.ScaleVLM(cfg, device="meta")
    vlm_scale.adopt_weights(model, dict(scripted.named_parameters()))
    model.eval()
    return model, (scripted if check else None), meta, cfg


def encode(text, meta):
    """The metadata's word tokenizer (docs/metadata.md), with BOS."""
    tok = meta["tokenizer"]
    ids = {w: i for i, w in enumerate(tok["vocab"])}
    words = re.sub(r"([.,?!:;])", r" \1 ", text.lower()).split()
    return [ids[tok["bos"]]] + [ids.get(w, ids[tok["unk"]]) for w in words]


def rss_kb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model")
    ap.add_argument("images", nargs="+")
    ap.add_argument("--layers", default="1,5,14,23", help="comma list, or all (transformers' output_attentions)")
    ap.add_argument("--keep", default="full", choices=["full", "last-row"])
    ap.add_argument("--bare", action="store_true", help="no hooks: the forward alone")
    ap.add_argument("--prompt", default=None)
    ap.add_argument("--out", default="python_way_scale_out")
    ap.add_argument("--threads", type=int, default=0, help="torch intra-op threads (0: torch's default)")
    ap.add_argument("--mem-cap-gib", type=float, default=0, help="address-space limit (RLIMIT_AS), 0: none")
    ap.add_argument("--check", action="store_true", help="compare eager logits with the TorchScript model's")
    ap.add_argument("--smoke", action="store_true", help="exit 77 (skipped) when the model is absent")
    a = ap.parse_args()
    if a.mem_cap_gib > 0:
        cap = int(a.mem_cap_gib * 2 ** 30)
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    torch.set_grad_enabled(False)

    t0 = time.perf_counter()
    model, scripted, meta, cfg = load(a.model, a.check)
    load_s = time.perf_counter() - t0
    rss_after_load = rss_kb()
    n_layers = len(model.lm.layers)
    layers = list(range(n_layers)) if a.layers == "all" else [int(v) % n_layers for v in a.layers.split(",")]
    kept = {}

    def hook(index):
        def record(module, inputs, output):
            probs = output[1]  # [1, heads, T, T]
            kept[index] = probs if a.keep == "full" else probs[:, :, -1:, :].clone()
        return record

    if not a.bare:
        for l in layers:
            model.lm.layers[l].self_attn.register_forward_hook(hook(l))

    gh, gw = cfg["grid"]
    start = vlm_scale.TEXT_PREFIX
    ids = torch.tensor([encode(a.prompt or meta["generation"]["default_prompt"], meta)])
    os.makedirs(a.out, exist_ok=True)
    status, error, kept_bytes = "ok", None, 0
    try:
        for path in a.images:
            t_image, cpu_image = time.perf_counter(), time.process_time()
            bgr = cv2.imread(path, cv2.IMREAD_COLOR)
            if bgr is None:
                sys.exit("python_way_scale: cannot read %s" % path)
            x = python_way.preprocess(bgr, meta)
            kept.clear()
            t_forward = time.perf_counter()
            logits = model(x, ids)
            forward_s = time.perf_counter() - t_forward
            kept_bytes = max(kept_bytes, sum(t.numel() * t.element_size() for t in kept.values()))
            if scripted is not None:
                diff = float((scripted(x, ids) - logits).abs().max())
                print("check: eager vs TorchScript max |logit difference| %.3g" % diff, file=sys.stderr)
                if diff > 1e-4:
                    sys.exit("python_way_scale: the eager model does not match the archive")
            stem = os.path.splitext(os.path.basename(path))[0]
            files = []
            if not a.bare:
                maps, doc = [], []
                for l in layers:
                    values = kept[l][0, :, -1, start:start + gh * gw].mean(0).reshape(gh, gw).numpy()
                    maps.append(("layer %d" % l, values))
                    doc.append({"name": "lm.layers.%d.self_attn" % l, "index": l,
                                "map": {"grid": [gh, gw], "values": values.tolist()}})
                files = [os.path.join(a.out, stem + ".overlay.png"), os.path.join(a.out, stem + ".json")]
                cv2.imwrite(files[0], python_way.overlay(bgr, "input", maps))
                with open(files[1], "w") as f:
                    json.dump({"model": a.model, "image": path, "layers": doc}, f)
            print(json.dumps({"image": path, "seconds": time.perf_counter() - t_image,
                              "cpu_s": time.process_time() - cpu_image, "forward_s": forward_s,
                              "tokens": int(ids.shape[1]) + gh * gw, "files": files}), flush=True)
    except RuntimeError as e:  # the CPU allocator's "can't allocate memory"
        if "allocate" not in str(e):
            raise
        status, error = "out_of_memory", str(e).splitlines()[0][:300]
    kept_now = sum(t.numel() * t.element_size() for t in kept.values())
    print(json.dumps({"status": status, "error": error, "load_s": load_s, "rss_after_load_kb": rss_after_load,
                      "peak_rss_kb": rss_kb(), "kept_bytes": max(kept_bytes, kept_now),
                      "layers": len(layers) if not a.bare else 0, "keep": "none" if a.bare else a.keep,
                      "threads": torch.get_num_threads()}), flush=True)
    if status != "ok":
        print("python_way_scale: out of memory: %s" % error, file=sys.stderr)
        sys.exit(OUT_OF_MEMORY)


if __name__ == "__main__":
    main()
