"""Evaluate tinyvlm on held-out scenes (seeds 0..N-1; training never uses seeds < 1_000_000).

Usage:  /usr/bin/python3 models/evaluate.py [--sizes base small] [--n 1000]
Evaluates the EAGER model loaded from models/checkpoints/<size>/final.pt (or last.pt) (the attention
weights are read from the eager model), and checks that the exported TorchScript file
models/tinyvlm-<size>.pt gives the same logits (max |diff| is reported) on a subset.

Per scene: one "what color is the <shape>?" question, one "which shape is <color>?" question
(when the scene has an unambiguous one) and the caption prompt. Greedy decoding exactly like
attnviz (append argmax of logits[0,-1] until <eos> or max_new_tokens=16); an answer is correct
when the decoded text equals the expected answer exactly.

Pointing game: for the question prompts ([<bos>] + prompt, no answer), the attention of the
last prompt token (the row that predicts the first answer token) over the image tokens,
averaged over heads, in each LM layer; the peak cell is a hit when
  strict : its centre lies inside the asked-about object's bbox;
  overlap: its rectangle overlaps the bbox (lenient; only meaningful for fine grids).
Layers where text cannot see the image (all but the read layers) have all-zero text->image
attention and are reported as n/a.
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import scenes  # noqa: E402
import tinyvlm as tv  # noqa: E402

BUDGETS = [64, 32, 16, 8, 4]


def build_items(n):
    items = []
    for seed in range(scenes.EVAL_SEED_BASE, scenes.EVAL_SEED_BASE + n):
        sc = scenes.make_scene(seed)
        rng = np.random.Generator(np.random.PCG64([7, seed]))
        img = tv.preprocess(sc["image"])
        for task in scenes.TASKS:
            q = scenes.sample_query(sc, task, rng)
            if q is None:
                continue
            _, prompt, answer, target = q
            items.append(dict(seed=seed, task=task, prompt=prompt, answer=answer,
                              bbox=sc["objects"][target]["bbox"] if target >= 0 else None,
                              ids=[tv.BOS] + tv.encode(prompt), img=img))
    return items


@torch.no_grad()
def greedy(model, img, ids, budget, max_new=16):
    """Batched greedy decoding (all prompts in the batch have equal length)."""
    B = ids.shape[0]
    done = torch.zeros(B, dtype=torch.bool)
    out = [[] for _ in range(B)]
    for _ in range(max_new):
        logits = model(img, ids, budget)
        nxt = logits[:, -1].argmax(-1)
        for b in range(B):
            if not done[b]:
                if nxt[b].item() == tv.EOS:
                    done[b] = True
                else:
                    out[b].append(nxt[b].item())
        if done.all():
            break
        ids = torch.cat([ids, nxt[:, None]], 1)
    return [" ".join(tv.VOCAB[i] for i in o) for o in out]


def cell_hits(peak, gh, gw, bbox):
    r, c = divmod(int(peak), gw)
    ch, cw = 64 / gh, 64 / gw
    x0, y0, x1, y1 = bbox
    cx, cy = (c + 0.5) * cw, (r + 0.5) * ch
    strict = x0 <= cx < x1 and y0 <= cy < y1
    overlap = (c * cw < x1) and ((c + 1) * cw > x0) and (r * ch < y1) and ((r + 1) * ch > y0)
    return strict, overlap


@torch.no_grad()
def attention_rows(model, img, ids, budget):
    """Per LM layer: heads-averaged attention of the last text row over image tokens [B, n_img]."""
    rows = []
    x_img = model.image_tokens(img, budget)
    n_img = x_img.shape[1]
    L = ids.shape[1]
    x = torch.cat([x_img, model.lm.tok(ids) + model.lm.pos[:, :L]], 1)
    base, txt_img = model.masks(n_img, L, x.device)
    for layer in model.lm.layers:
        x, att = layer(x, base + txt_img * layer.img_block, n_img)
        rows.append(att[:, :, -1, :n_img].mean(1))
    return rows


def evaluate(size, n, bs=125):
    cfg = tv.CONFIGS[size]
    model = tv.TinyVLM(cfg)
    ck = os.path.join(HERE, "checkpoints", size, "final.pt")
    if not os.path.exists(ck):  # training stopped early: use the last checkpoint
        ck = os.path.join(HERE, "checkpoints", size, "last.pt")
    st = torch.load(ck, map_location="cpu")
    model.load_state_dict(st["model"])
    model.eval()
    items = build_items(n)
    res = {"model": "tinyvlm-" + size, "checkpoint_step": st.get("step"), "n_scenes": n,
           "n_items": {t: sum(1 for it in items if it["task"] == t) for t in scenes.TASKS},
           "accuracy": {}, "pointing": {}, "read_layers": cfg["read_layers"]}
    for budget in BUDGETS:
        gh, gw = tv.BUDGET_GRIDS[budget]
        acc = {}
        hits = {}  # layer -> [strict, overlap, count]
        for task in scenes.TASKS:
            its = [it for it in items if it["task"] == task]
            # group by prompt length
            groups = {}
            for it in its:
                groups.setdefault(len(it["ids"]), []).append(it)
            correct = 0
            for _, g in sorted(groups.items()):
                for i in range(0, len(g), bs):
                    chunk = g[i:i + bs]
                    img = torch.cat([it["img"] for it in chunk])
                    ids = torch.tensor([it["ids"] for it in chunk])
                    preds = greedy(model, img, ids, budget)
                    correct += sum(p == it["answer"] for p, it in zip(preds, chunk))
                    if task != "caption":
                        rows = attention_rows(model, img, ids, budget)
                        for li, r in enumerate(rows):
                            if cfg["read_layers"] and li not in cfg["read_layers"] and r.abs().max() == 0:
                                continue
                            peaks = r.argmax(-1)
                            h = hits.setdefault(li, [0, 0, 0])
                            ht = hits.setdefault((task, li), [0, 0, 0])
                            for p, it in zip(peaks, chunk):
                                s, o = cell_hits(p, gh, gw, it["bbox"])
                                for hh in (h, ht):
                                    hh[0] += s
                                    hh[1] += o
                                    hh[2] += 1
            acc[task] = correct / max(1, len(its))
        res["accuracy"][str(budget)] = acc
        res["pointing"][str(budget)] = {str(li): {"strict": h[0] / h[2], "overlap": h[1] / h[2], "n": h[2]}
                                        for li, h in hits.items() if not isinstance(li, tuple)}
        res.setdefault("pointing_by_task", {})[str(budget)] = {
            "%s/%d" % li: {"strict": h[0] / h[2], "overlap": h[1] / h[2], "n": h[2]}
            for li, h in hits.items() if isinstance(li, tuple)}
        print("%s budget %d acc %s pointing %s" % (size, budget, {k: round(v, 4) for k, v in acc.items()},
              {li: round(v["strict"], 3) for li, v in res["pointing"][str(budget)].items()}), flush=True)
    # exported TorchScript consistency
    pt = os.path.join(HERE, "tinyvlm-%s.pt" % size)
    if os.path.exists(pt):
        sm = torch.jit.load(pt)
        md = 0.0
        for it in items[:60]:
            ids = torch.tensor([it["ids"]])
            for budget in BUDGETS:
                md = max(md, (sm(it["img"], ids, budget) - model(it["img"], ids, budget)).abs().max().item())
        res["torchscript_max_abs_logit_diff"] = md
        print("torchscript vs eager max |logit diff| over 60 items x 5 budgets: %.2e" % md)
    return res


def budget_table_head(title, row_name):
    """A blank line, the title, and the head of a table with one column per budget."""
    return ["", title, "", "| model | %s | " % row_name + " | ".join("b=%d" % b for b in BUDGETS) + " |",
            "|---|---|" + "---|" * len(BUDGETS)]


def table(results):
    lines = ["| model | budget | color acc | shape acc | caption exact | pointing (best read layer, strict) | pointing (overlap) |",
             "|---|---|---|---|---|---|---|"]
    for r in results:
        for b in BUDGETS:
            a = r["accuracy"][str(b)]
            p = r["pointing"][str(b)]
            best = max(p.items(), key=lambda kv: kv[1]["strict"])
            lines.append("| %s | %d | %.1f%% | %.1f%% | %.1f%% | %.1f%% (layer %s) | %.1f%% |" % (
                r["model"], b, 100 * a["color"], 100 * a["shape"], 100 * a["caption"],
                100 * best[1]["strict"], best[0], 100 * best[1]["overlap"]))
    lines += budget_table_head("Pointing game (strict) per read layer and budget:", "layer")
    for r in results:
        for li in sorted({li for b in BUDGETS for li in r["pointing"][str(b)]}, key=int):
            lines.append("| %s | lm.layers.%s | " % (r["model"], li) + " | ".join(
                "%.1f%%" % (100 * r["pointing"][str(b)][li]["strict"]) if li in r["pointing"][str(b)] else "n/a"
                for b in BUDGETS) + " |")
    lines += budget_table_head("Pointing game (strict) at the best read layer, by question type:", "question")
    for r in results:
        if "pointing_by_task" not in r:
            continue
        for task in ["color", "shape"]:
            cells = []
            for b in BUDGETS:
                d = {k: v for k, v in r["pointing_by_task"][str(b)].items() if k.startswith(task + "/")}
                k, v = max(d.items(), key=lambda kv: kv[1]["strict"])
                cells.append("%.1f%% (L%s)" % (100 * v["strict"], k.split("/")[1]))
            lines.append("| %s | %s | " % (r["model"], task) + " | ".join(cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", nargs="+", default=["base", "small"])
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--tag", default=None, help="output name suffix (default: sizes joined)")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    t0 = time.time()
    if len(a.sizes) == 1 and a.sizes[0].endswith(".json"):  # re-print tables from saved results
        results = []
        for f in a.sizes[0].split(","):
            results += json.load(open(f))
        print(table(results))
        sys.exit(0)
    results = [evaluate(s, a.n) for s in a.sizes]
    out = os.path.join(HERE, "logs", "eval_%s.json" % (a.tag or "_".join(a.sizes)))
    with open(out, "w") as f:
        json.dump(results, f, indent=1)
    print(table(results))
    print("eval took %.1f min; wrote %s" % ((time.time() - t0) / 60, out))
