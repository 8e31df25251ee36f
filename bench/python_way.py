#!/usr/bin/env python3
"""The Python way: what attnviz replaces, for the benchmark (bench/README.md).

    python_way.py MODEL.pt IMAGE... [--layers 1,5,14,23] [--out DIR] [--threads N] [--check]

The same work as `attnviz run MODEL.pt IMAGE... --layers ...` with its defaults (overlay PNG
+ JSON per image), done the way a Python user does it: the EAGER tinyvlm module
(models/tinyvlm.py) with the weights of the TorchScript archive (torch.jit.load(...).state_dict()),
forward hooks on the chosen `lm.layers.N.attn` modules recording during greedy generation
(the pass that ends the answer has prompt + answer as input, so, like attnviz, no extra
pass is needed unless max_new_tokens runs out), heads averaged, the answer's
query rows over the image tokens, and cv2 for the overlay: each map upsampled (bilinear),
normalised by its maximum, viridis, blended 50/50 onto the image shown at >= 256 px, one
panel per layer beside the input, titled, written with cv2.imwrite; a JSON with the maps.
Prints the answer and the files, like attnviz. Timing is the caller's (bench/run_bench.py
runs this as a process, so `import torch` is paid as a user pays it).
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SKIP = 77  # CTest's skip code (--smoke)

if "--smoke" in sys.argv and len(sys.argv) > 1 and not os.path.exists(sys.argv[1]):
    print("python_way: %s is absent; skipped" % sys.argv[1], file=sys.stderr)
    sys.exit(SKIP)

import argparse  # noqa: E402
import json  # noqa: E402

import cv2  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(HERE), "models"))
sys.dont_write_bytecode = True
import tinyvlm  # noqa: E402


def load(path):
    """The eager module with the archive's weights, and the archive's attnviz metadata."""
    extra = {"attnviz.json": ""}
    scripted = torch.jit.load(path, map_location="cpu", _extra_files=extra)
    meta = json.loads(extra["attnviz.json"])
    state = scripted.state_dict()
    cfg = dict(tinyvlm.CONFIGS[meta["name"].split("-")[-1]])
    # Take the shape of the archive, not the file's defaults, where the weights say it.
    cfg["d"] = state["lm.tok.weight"].shape[1]
    def count(prefix):
        return len({k.split(".")[len(prefix.split("."))] for k in state if k.startswith(prefix + ".")})

    cfg["lm_layers"] = count("lm.layers")
    cfg["vision_layers"] = count("vision.blocks")
    lm_layers = [getattr(scripted.lm.layers, str(i)) for i in range(cfg["lm_layers"])]
    cfg["heads"] = int(lm_layers[0].attn.heads)
    cfg["read_layers"] = [i for i, l in enumerate(lm_layers) if float(l.img_block) == 0.0]
    model = tinyvlm.TinyVLM(cfg)
    model.load_state_dict(state)
    model.eval()
    return model, scripted, meta


def preprocess(bgr, meta):
    p = meta["preprocess"]
    h, w = p["size"]
    if bgr.shape[0] != h or bgr.shape[1] != w:
        bgr = cv2.resize(bgr, (w, h), interpolation=cv2.INTER_LINEAR)
    img = bgr if p.get("channel_order") == "BGR" else cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    x = img.astype(np.float32) / np.float32(p["scale"])
    x = (x - np.array(p["mean"], np.float32)) / np.array(p["std"], np.float32)
    return torch.from_numpy(np.ascontiguousarray(x.transpose(2, 0, 1)))[None]


def blend(shown, values, alpha=0.5):
    grid = values / values.max() if values.max() > 0 else values
    up = cv2.resize(grid.astype(np.float32), (shown.shape[1], shown.shape[0]), interpolation=cv2.INTER_LINEAR)
    heat = cv2.applyColorMap(np.clip(up * 255.0, 0, 255).astype(np.uint8), cv2.COLORMAP_VIRIDIS)
    return cv2.addWeighted(shown, 1.0 - alpha, heat, alpha, 0.0)


def overlay(bgr, title, maps, min_panel=256, gap=6, title_bar=36):
    side = max(bgr.shape[:2])
    k = 1 if side >= min_panel else -(-min_panel // side)
    shown = cv2.resize(bgr, (bgr.shape[1] * k, bgr.shape[0] * k), interpolation=cv2.INTER_NEAREST)
    ph, pw = shown.shape[:2]
    panels = [(title, shown)] + [(t, blend(shown, v)) for t, v in maps]
    n = len(panels)
    canvas = np.full((title_bar + ph + gap, n * pw + (n + 1) * gap, 3), 255, np.uint8)
    for i, (t, img) in enumerate(panels):
        x0 = gap + i * (pw + gap)
        canvas[title_bar:title_bar + ph, x0:x0 + pw] = img
        (tw, th), _ = cv2.getTextSize(t, cv2.FONT_HERSHEY_SIMPLEX, 20 / 22.0, 2)
        cv2.putText(canvas, t, (x0 + (pw - tw) // 2, 7 + th), cv2.FONT_HERSHEY_SIMPLEX, 20 / 22.0, (40, 40, 40),
                    2, cv2.LINE_AA)
    return canvas


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model")
    ap.add_argument("images", nargs="+")
    ap.add_argument("--layers", default="1,5,14,23")
    ap.add_argument("--prompt", default=None)
    ap.add_argument("--out", default="python_way_out")
    ap.add_argument("--threads", type=int, default=0, help="torch intra-op threads (0: torch's default)")
    ap.add_argument("--check", action="store_true", help="compare eager logits with the TorchScript model's")
    ap.add_argument("--smoke", action="store_true",
                    help="exit 77 (skipped) when the model is absent or models/tinyvlm.py no longer matches it "
                         "(while the bundled model is being retrained)")
    a = ap.parse_args()
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    torch.set_grad_enabled(False)

    try:
        model, scripted, meta = load(a.model)
    except (RuntimeError, KeyError) as e:
        if not a.smoke:
            raise
        print("python_way: models/tinyvlm.py does not match %s (%s); skipped" % (a.model, str(e).splitlines()[0]),
              file=sys.stderr)
        sys.exit(SKIP)
    layers = [int(v) for v in a.layers.split(",")]
    n_layers = len(model.lm.layers)
    layers = [l % n_layers for l in layers]
    recorded = {}
    recording = [False]

    def hook(index):
        def record(module, inputs, output):
            if recording[0]:
                recorded[index] = output[1]  # the attention probabilities [B, H, T, T]
        return record

    for l in layers:
        model.lm.layers[l].attn.register_forward_hook(hook(l))

    budget = meta["budgets"]["default"]
    gh, gw = meta["budgets"]["grids"][str(budget)]
    n_img = gh * gw
    prompt = a.prompt or meta["generation"]["default_prompt"]
    prompt_ids = [tinyvlm.BOS] + tinyvlm.encode(prompt)
    max_new = meta["generation"]["max_new_tokens"]
    os.makedirs(a.out, exist_ok=True)

    for path in a.images:
        bgr = cv2.imread(path, cv2.IMREAD_COLOR)
        if bgr is None:
            sys.exit("python_way: cannot read %s" % path)
        x = preprocess(bgr, meta)
        ids = list(prompt_ids)
        answer = []
        # The hooks record every pass; the one to keep has prompt + answer as its input:
        # the pass that produced EOS, or one more when max_new_tokens ran out (as attnviz).
        recording[0] = True
        ended = False
        for _ in range(max_new):
            logits = model(x, torch.tensor([ids]), budget)
            nxt = int(logits[0, -1].argmax())
            if nxt == tinyvlm.EOS:
                ended = True
                break
            answer.append(nxt)
            ids.append(nxt)
        if not ended:
            model(x, torch.tensor([ids]), budget)
        recording[0] = False
        if a.check:
            ref = scripted(x, torch.tensor([ids]), budget)
            diff = float((ref - model(x, torch.tensor([ids]), budget)).abs().max())
            print("check: eager vs TorchScript max |logit difference| %.3g" % diff, file=sys.stderr)
            if diff > 1e-3:
                sys.exit("python_way: the eager model does not match the archive")
        rows = [n_img + len(prompt_ids) - 1 + j for j in range(len(answer))] or [n_img + len(ids) - 1]
        maps, doc_layers = [], []
        for l in layers:
            att = recorded[l][0].mean(0)  # heads averaged: [T, T]
            values = att[rows, :n_img].mean(0).reshape(gh, gw).numpy()
            maps.append(("layer %d" % l, values))
            peak = np.unravel_index(int(values.argmax()), values.shape)
            doc_layers.append({"name": "lm.layers.%d.attn" % l, "index": l, "query_rows": rows,
                               "map": {"grid": [gh, gw], "values": values.tolist(),
                                       "image_mass": float(values.sum()), "peak": [int(peak[0]), int(peak[1])]}})
        text = tinyvlm.decode(answer)
        stem = os.path.splitext(os.path.basename(path))[0]
        png = os.path.join(a.out, stem + ".overlay.png")
        cv2.imwrite(png, overlay(bgr, "\"%s\"" % text if text else "input", maps))
        doc = {"model": a.model, "image": path, "prompt": prompt, "answer": text, "layers": doc_layers}
        with open(os.path.join(a.out, stem + ".json"), "w") as f:
            json.dump(doc, f, indent=1)
        print("%s\t%s\t%s\n%s\n%s" % (path, meta["name"], text, png, os.path.join(a.out, stem + ".json")))


if __name__ == "__main__":
    main()
