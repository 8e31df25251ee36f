"""Train tinyvlm (seeded, resumable).

One command per size:
  /usr/bin/python3 models/train.py --size base
  /usr/bin/python3 models/train.py --size small
Checkpoints: models/checkpoints/<size>/last.pt every --ckpt-every steps (resumed automatically),
             models/checkpoints/<size>/final.pt at the end (read by export.py).
Data: scenes generated on the fly from seeds drawn by a Generator seeded with (seed, step), so a
resumed run sees exactly the batches it would have seen. Training scene seeds are >= 1_000_000;
validation seeds 200_000..; evaluation (evaluate.py) 0..99_999; examples 900_000..
Loss = cross-entropy on answer tokens (+ <eos>) + ground_weight * grounding loss, where the
grounding loss is -log(attention mass on the target object's cells), per head, renormalised over
image tokens, averaged over the read layers, on the rows that predict the answer.
"""
import argparse
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import scenes  # noqa: E402
import tinyvlm as tv  # noqa: E402

VAL_SEED_BASE = 200_000


def cell_targets(obj, gh, gw):
    """Boolean [gh*gw] target cells for an object at grid gh x gw (row-major)."""
    vis = obj["visible"].astype(np.float32)
    ch, cw = 64 // gh, 64 // gw
    cov = vis.reshape(gh, ch, gw, cw).mean(axis=(1, 3))
    tgt = cov >= 0.5 * cov.max()
    x0, y0, x1, y1 = obj["bbox"]
    cy = (np.arange(gh) + 0.5) * ch
    cx = (np.arange(gw) + 0.5) * cw
    inside = ((cy[:, None] >= y0) & (cy[:, None] < y1)) & ((cx[None, :] >= x0) & (cx[None, :] < x1))
    both = tgt & inside & (cov > 0)
    if both.any():
        tgt = both
    return tgt.reshape(-1)


def cell_labels(sc, gh, gw):
    """Dense per-cell labels (shape, colour); 0 = background, else 1 + index. A cell takes the
    object covering most of it if that coverage is >= 25%."""
    ch, cw = 64 // gh, 64 // gw
    covs = np.stack([o["visible"].astype(np.float32).reshape(gh, ch, gw, cw).mean(axis=(1, 3)).reshape(-1)
                     for o in sc["objects"]])
    best = covs.argmax(0)
    fg = covs.max(0) >= 0.25
    shp = np.array([1 + scenes.SHAPES.index(sc["objects"][i]["shape"]) for i in best]) * fg
    col = np.array([1 + scenes.COLORS.index(sc["objects"][i]["color"]) for i in best]) * fg
    return torch.from_numpy(shp.astype(np.int64)), torch.from_numpy(col.astype(np.int64))


class Probe(torch.nn.Module):
    """Training-only linear probes on the image tokens entering the first read layer."""

    def __init__(self, d):
        super().__init__()
        self.shape = torch.nn.Linear(d, 1 + len(scenes.SHAPES))
        self.color = torch.nn.Linear(d, 1 + len(scenes.COLORS))

    def loss(self, h, shp, col):
        return 0.5 * (F.cross_entropy(self.shape(h).reshape(-1, 1 + len(scenes.SHAPES)), shp.reshape(-1)) +
                      F.cross_entropy(self.color(h).reshape(-1, 1 + len(scenes.COLORS)), col.reshape(-1)))


def make_batch(rng, B, task, budget, seed_base=None):
    """Returns dict of tensors. seed_base=None: random training seeds; else consecutive seeds."""
    gh, gw = tv.BUDGET_GRIDS[budget]
    imgs, seqs, ans_start, ground, lshp, lcol = [], [], [], [], [], []
    k = 0
    while len(seqs) < B:
        if seed_base is None:
            seed = int(rng.integers(scenes.TRAIN_SEED_BASE, 2 ** 62))
        else:
            seed = seed_base + k
            k += 1
        sc = scenes.make_scene(seed)
        q = scenes.sample_query(sc, task, rng)
        if q is None:
            continue
        _, prompt, answer, target = q
        p_ids = [tv.BOS] + tv.encode(prompt)
        a_ids = tv.encode(answer) + [tv.EOS]
        seq = p_ids + a_ids
        P = len(p_ids)
        rows = []  # (text row index, object index) for the grounding loss
        if task == "caption":
            order = scenes.caption_order(sc)
            toks = tv.tokenize(answer)
            obj_i = -1
            for j, w in enumerate(toks):
                if w == "a":
                    obj_i += 1
                    rows.append((P + j, order[obj_i]))            # row of "a" predicts the colour
                elif w in scenes.COLORS:
                    rows.append((P + j, order[obj_i]))            # row of colour predicts the shape
        else:
            rows.append((P - 1, target))                          # last prompt token predicts the answer
        g = [(r, torch.from_numpy(cell_targets(sc["objects"][o], gh, gw))) for r, o in rows]
        imgs.append(tv.preprocess(sc["image"]))
        ls, lc = cell_labels(sc, gh, gw)
        lshp.append(ls)
        lcol.append(lc)
        seqs.append(seq)
        ans_start.append(P)
        ground.append(g)
    L = max(len(s) for s in seqs) - 1
    inp = torch.full((B, L), tv.PAD, dtype=torch.long)
    tgt = torch.full((B, L), -100, dtype=torch.long)
    for b, s in enumerate(seqs):
        inp[b, :len(s) - 1] = torch.tensor(s[:-1])
        P = ans_start[b]
        tgt[b, P - 1:len(s) - 1] = torch.tensor(s[P:])
    # grounding: flat lists of (batch, row) and target masks
    gb, gr, gm = [], [], []
    for b, g in enumerate(ground):
        for r, m in g:
            gb.append(b)
            gr.append(r)
            gm.append(m)
    return dict(image=torch.cat(imgs), inp=inp, tgt=tgt, budget=budget, task=task,
                gb=torch.tensor(gb), gr=torch.tensor(gr), gm=torch.stack(gm).float(),
                ans_start=torch.tensor(ans_start), lshp=torch.stack(lshp), lcol=torch.stack(lcol))


def grounding_loss(atts, batch, n_img):
    gb, gr, gm = batch["gb"], batch["gr"], batch["gm"]
    losses = []
    for att in atts:                                   # [B,H,T,T]
        a = att[gb, :, n_img + gr, :n_img]             # [N,H,n_img]
        a = a / a.sum(-1, keepdim=True).clamp_min(1e-9)
        mass = (a * gm[:, None, :]).sum(-1)            # [N,H]
        losses.append(-torch.log(mass.clamp_min(1e-6)).mean())
    return torch.stack(losses).mean()


def lr_at(step, a):
    if step < a.warmup:
        return a.lr * (step + 1) / a.warmup
    p = (step - a.warmup) / max(1, a.steps - a.warmup)
    return a.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, p))))


def sample_task_budget(rng, step, a):
    if step < a.curriculum:
        return ["color", "shape"][int(rng.integers(2))], 64
    task = rng.choice(scenes.TASKS, p=[0.38, 0.38, 0.24])
    budget = int(rng.choice([4, 8, 16, 32, 64], p=[0.12, 0.12, 0.12, 0.14, 0.5]))
    return str(task), budget


@torch.no_grad()
def quick_eval(model, n=96):
    model.eval()
    res = {}
    rng = np.random.Generator(np.random.PCG64(12345))
    for task in ["color", "shape"]:
        for budget in [64, 16, 4]:
            bt = make_batch(rng, n, task, budget, seed_base=VAL_SEED_BASE + (0 if task == "color" else 50_000))
            logits, atts, _ = model.run_train(bt["image"], bt["inp"], budget)
            rows = bt["ans_start"] - 1
            pred = logits[torch.arange(n), rows].argmax(-1)
            gold = bt["tgt"][torch.arange(n), rows]
            acc = (pred == gold).float().mean().item()
            # pointing game (heads averaged) at the read layers: peak cell in target cells
            n_img = budget
            pts = []
            for att in atts:
                a = att[bt["gb"], :, n_img + bt["gr"], :n_img].mean(1)
                peak = a.argmax(-1)
                pts.append(bt["gm"][torch.arange(len(peak)), peak].mean().item())
            res["%s@%d" % (task, budget)] = (round(acc, 3), [round(p, 3) for p in pts])
    model.train()
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", default="base", choices=list(tv.CONFIGS))
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--batch", type=int, default=48)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--warmup", type=int, default=200)
    ap.add_argument("--curriculum", type=int, default=300, help="steps of questions-only at budget 64")
    ap.add_argument("--ground-weight", type=float, default=1.0)
    ap.add_argument("--probe-weight", type=float, default=1.0,
                    help="weight of the dense per-cell shape/colour probe loss (training-only heads)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1,
                    help="1 is much faster than 2 when the cores are shared (OpenMP barriers)")
    ap.add_argument("--ckpt-every", type=int, default=50)
    ap.add_argument("--eval-every", type=int, default=200)
    ap.add_argument("--out", default=None, help="checkpoint dir (default models/checkpoints/<size>)")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    out = a.out or os.path.join(HERE, "checkpoints", a.size)
    os.makedirs(out, exist_ok=True)
    model = tv.TinyVLM(tv.CONFIGS[a.size])
    probe = Probe(tv.CONFIGS[a.size]["d"])
    params = list(model.named_parameters()) + [("probe." + n, p) for n, p in probe.named_parameters()]
    decay = [p for n, p in params if p.dim() >= 2 and "pos" not in n]
    nodecay = [p for n, p in params if not (p.dim() >= 2 and "pos" not in n)]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01}, {"params": nodecay, "weight_decay": 0.0}],
                            lr=a.lr, betas=(0.9, 0.98))
    start = 0
    last = os.path.join(out, "last.pt")
    if os.path.exists(last):
        st = torch.load(last, map_location="cpu")
        model.load_state_dict(st["model"])
        probe.load_state_dict(st["probe"])
        opt.load_state_dict(st["opt"])
        start = st["step"]
        print("resumed from %s at step %d" % (last, start), flush=True)
    nparams = sum(p.numel() for p in model.parameters())
    print("size=%s params=%d args=%s" % (a.size, nparams, vars(a)), flush=True)
    model.train()
    t0 = time.time()
    ema = {}
    for step in range(start, a.steps):
        rng = np.random.Generator(np.random.PCG64([a.seed, step]))
        task, budget = sample_task_budget(rng, step, a)
        bt = make_batch(rng, a.batch, task, budget)
        for g in opt.param_groups:
            g["lr"] = lr_at(step, a)
        logits, atts, img_h = model.run_train(bt["image"], bt["inp"], budget)
        pl = probe.loss(img_h, bt["lshp"], bt["lcol"])
        ce = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), bt["tgt"].reshape(-1), ignore_index=-100)
        gl = grounding_loss(atts, bt, budget)
        loss = ce + a.ground_weight * gl + a.probe_weight * pl
        opt.zero_grad(set_to_none=True)
        loss.backward()
        gn = torch.nn.utils.clip_grad_norm_([p for _, p in params], 1.0)
        opt.step()
        for k, v in (("ce_" + task, ce.item()), ("gl_" + task, gl.item()), ("probe", pl.item())):
            ema[k] = v if k not in ema else 0.9 * ema[k] + 0.1 * v
        if (step + 1) % 10 == 0:
            el = time.time() - t0
            print("step %d lr %.2e %s gn %.2f %.2fs/step" % (
                step + 1, lr_at(step, a), " ".join("%s %.3f" % kv for kv in sorted(ema.items())), gn,
                el / (step + 1 - start)), flush=True)
        if (step + 1) % a.ckpt_every == 0 or step + 1 == a.steps:
            tmp = last + ".tmp"
            torch.save({"model": model.state_dict(), "probe": probe.state_dict(), "opt": opt.state_dict(), "step": step + 1, "args": vars(a)}, tmp)
            os.replace(tmp, last)
        if (step + 1) % a.eval_every == 0 or step + 1 == a.steps:
            print("eval step %d: %s" % (step + 1, quick_eval(model)), flush=True)
    torch.save({"model": model.state_dict(), "step": a.steps, "args": vars(a)}, os.path.join(out, "final.pt"))
    print("done in %.1f min" % ((time.time() - t0) / 60), flush=True)


if __name__ == "__main__":
    main()
