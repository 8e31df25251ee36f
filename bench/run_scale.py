#!/usr/bin/env python3
"""attnviz at VLM scale (issue 14; bench/README.md): one run, side by side.

    run_scale.py --build-dir DIR [--attnviz BIN] [--legacy-layout] [--sizes 150m,1.2b]
                 [--dtypes fp32,bf16,fp16] [--images 4] [--reps 1] [--threads 2]
                 [--skip load,overhead,memory,cli,python,long,generation,figure]
                 [--python-cap-gib 8] [--quick] [--update-readme]

On the LLaVA-shaped models of bench/make_vlm_scale.py (made in DIR/bench/scale-models
when absent; 150M and 1.2B parameters, 576 image tokens after 5 text ids, fp32 then the
half-precision archives; the 150M model also at 4096 image tokens), it measures:
  load        Model::load alone (bench_capture load): seconds, resident memory; file sizes
  overhead    Model::run with the taps of layers 1,5,14,23 against the module's own
              forward, in one process, interleaved (bench_capture overhead)
  memory      peak RSS of one forward, bare and with those taps (bench_capture mem)
  cli         `attnviz run` per image (its --ndjson seconds, the first image excluded),
              overlay only and overlay + grid, peak RSS of the process
  python      the Python way (bench/python_way_scale.py): hooks on the 4 layers, and on
              all 24 (transformers' output_attentions), per image and peak RSS
  long        peak RSS at 4096 image tokens, all 24 layers: bare forward, full-matrix
              taps, attnviz overlay only, overlay + grid, the Python way with hooks
              keeping full matrices (under an address-space cap of --python-cap-gib,
              so that it fails instead of taking the machine), keeping last rows, bare
  generation  `attnviz run` generating 16 tokens against one forward: no KV cache in a
              TorchScript forward, so N tokens cost N + 1 full forwards
  figure      the two-model grid of the seed figure (150M above 1.2B), not timed
--legacy-layout: archives without the segment layout and `--image-tokens 5:24x24`, for a
binary that cannot read segments (the starting point, /work/head-bin/attnviz).
Wall times of processes, CPU time and peak RSS come from wait4(). Writes
DIR/bench/scale.json and DIR/bench/scale.md; --update-readme also replaces the section
between the scale markers of bench/README.md. Big models run one at a time, each after
waiting for enough free memory (/proc/meminfo MemAvailable).
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True

import make_vlm_scale  # noqa: E402
import run_bench  # noqa: E402
import vlm_scale  # noqa: E402
from run_bench import PY, json_lines, load, log, med, spawn  # noqa: E402

LAYERS = "1,5,14,23"
# libgomp's threads spin ~3 ms after each parallel region before they sleep; on a machine
# whose cores are busy with other work that spinning takes the cores the computation
# needs. attnviz sleeps at once (src/capture/model.cpp); the Python way runs as users run
# it, and once more with this setting, so that the two effects can be told apart.
PASSIVE_ENV = dict(os.environ, OMP_WAIT_POLICY="PASSIVE")
# GiB a process needs beyond the weights (activations, libtorch, Python), by token count.
HEADROOM_GIB = {"base": 1.5, "long": 4.0}


# ----------------------------------------------------------------------------- helpers
def mem_available_gib():
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) / 2 ** 20
    return float("inf")


def wait_for_memory(gib, what, patience_s=900):
    """Waits until `gib` GiB are available (other sessions share the machine)."""
    t0 = time.time()
    while mem_available_gib() < gib:
        if time.time() - t0 > patience_s:
            raise SystemExit("run_scale: %s needs %.1f GiB; only %.1f GiB available for %d s" % (
                what, gib, mem_available_gib(), patience_s))
        log("waiting for %.1f GiB of free memory for %s (%.1f available)" % (gib, what, mem_available_gib()))
        time.sleep(30)


class Archive:
    def __init__(self, a, size, grid, dtype):
        self.size, self.grid, self.dtype = size, grid, dtype
        layout = "legacy" if a.legacy_layout else "new"
        self.path = os.path.join(a.models_dir, make_vlm_scale.archive_name(size, grid, dtype, layout))
        self.gh, self.gw = vlm_scale.GRIDS[grid]
        self.layout_args = ["--image-tokens", "%d:%dx%d" % (vlm_scale.TEXT_PREFIX, self.gh, self.gw)] \
            if a.legacy_layout else []

    @property
    def label(self):
        return "%s %s%s" % (self.size, self.dtype, "" if self.grid == "base" else " @%d" % (self.gh * self.gw))

    def need_gib(self):
        return os.path.getsize(self.path) / 2 ** 30 + HEADROOM_GIB[self.grid]


def make_archives(a):
    cmd = [PY, "-B", os.path.join(HERE, "make_vlm_scale.py"), a.models_dir,
           "--layout", "legacy" if a.legacy_layout else "new"]
    subprocess.run(cmd + ["--sizes", ",".join(a.sizes), "--dtypes", ",".join(a.dtypes)], check=True)
    if "long" not in a.skip:
        subprocess.run(cmd + ["--sizes", "150m", "--dtypes", ",".join(a.long_dtypes), "--long-only"], check=True)


def run(a, name, cmd, need_gib, ok_codes=(0,), env=None):
    wait_for_memory(need_gib, name)
    path = os.path.join(a.work, name.replace(" ", "_").replace("/", "_").replace("=", "_") + ".log")
    l0 = load()
    r = spawn(cmd, path, env, ok_codes=ok_codes)
    r["lines"] = json_lines(path)
    r["load"] = (l0 + load()) / 2
    return r


def per_image(seconds):
    """Median seconds per image, without the first (it pays for warm-up) when there are more."""
    return med(seconds[1:] if len(seconds) > 1 else seconds)


def cli_cmd(a, arc, images, view, layers, out, extra=()):
    return ([a.attnviz, "run", arc.path] + images + ["--layers", layers, "--view", view, "--query", "last",
                                                      "--ndjson", "--jobs", "1", "--threads", str(a.threads),
                                                      "--no-progress", "--out", out] + arc.layout_args + list(extra))


def python_cmd(a, arc, images, out, extra=()):
    return [PY, "-B", os.path.join(HERE, "python_way_scale.py"), arc.path] + images + [
        "--threads", str(a.threads), "--out", out] + list(extra)


def cli_result(r):
    seconds = [x["seconds"] for x in r["lines"] if "seconds" in x]
    failed = [x for x in r["lines"] if x.get("status") not in (None, "ok")]
    if failed:
        raise SystemExit("run_scale: attnviz failed: %s" % failed[0].get("error"))
    return {"per_image_s": per_image(seconds), "first_s": seconds[0], "images": len(seconds), "wall": r["wall"],
            "cpu": r["cpu"], "sys": r["sys"], "minflt": r["minflt"], "peak_rss_kb": r["maxrss_kb"], "load": r["load"],
            "answers": [x.get("answer") for x in r["lines"]]}


def python_result(r):
    images = [x for x in r["lines"] if "image" in x]
    final = r["lines"][-1]
    out = {"wall": r["wall"], "cpu": r["cpu"], "sys": r["sys"], "minflt": r["minflt"], "peak_rss_kb": r["maxrss_kb"],
           "load": r["load"],
           "status": final["status"], "error": final.get("error"), "load_s": final["load_s"],
           "kept_bytes": final["kept_bytes"], "rss_after_load_kb": final["rss_after_load_kb"]}
    if images:
        out["per_image_s"] = per_image([x["seconds"] for x in images])
        out["per_image_cpu_s"] = per_image([x["cpu_s"] for x in images])
        out["forward_s"] = per_image([x["forward_s"] for x in images])
    return out


# ----------------------------------------------------------------------------- sections
def section_load(a, arc):
    r = run(a, "load %s" % arc.label, [a.bench_capture, "load", arc.path, "--threads", str(a.threads)],
            arc.need_gib())
    j = r["lines"][-1]
    j.update({"file_bytes": os.path.getsize(arc.path), "wall": r["wall"], "process_cpu": r["cpu"]})
    log("load %s: %.2f s, %.0f MiB after load (peak %.0f MiB), file %.0f MB" % (
        arc.label, j["load_s"], j["rss_after_load_kb"] / 1024, j["peak_rss_kb"] / 1024, j["file_bytes"] / 1e6))
    return j


def section_overhead(a, arc):
    iters = a.overhead_iters[arc.size]
    r = run(a, "overhead %s" % arc.label, [a.bench_capture, "overhead", arc.path, "--layers", LAYERS, "--threads",
                                           str(a.threads), "--iters", str(iters), "--warmup", "1"], arc.need_gib())
    j = r["lines"][-1]
    j["load"] = r["load"]
    log("overhead %s: bare %.2f s, tapped %.2f s, ratio %.3f (median of ratios %.3f; CPU time %.3f), load %.1f" % (
        arc.label, j["bare_median_s"], j["tapped_median_s"], j["ratio_of_medians"], j["median_of_ratios"],
        j["cpu_ratio_of_medians"], j["load"]))
    return j


def section_memory(a, arc, layers=LAYERS):
    out = {}
    for mode in ("bare", "taps"):
        r = run(a, "mem %s %s" % (mode, arc.label), [a.bench_capture, "mem", arc.path, "--mode", mode, "--layers",
                                                    layers, "--threads", str(a.threads)], arc.need_gib())
        j = r["lines"][-1]
        j.update({"wait4_maxrss_kb": r["maxrss_kb"], "wall": r["wall"], "load": r["load"]})
        out[mode] = j
        log("memory %s %s: peak %.0f MiB (after load %.0f MiB), forward %.1f s" % (
            mode, arc.label, j["peak_rss_kb"] / 1024, j["rss_after_load_kb"] / 1024, j["forward_s"]))
    return out


def section_cli_python(a, arc):
    """attnviz (overlay; overlay + grid) and the Python way (4 layers; all layers),
    interleaved over the repetitions."""
    images = a.image_paths[:a.images_for[arc.size]]
    out = os.path.join(a.work, "out")
    runs = [("cli overlay", lambda: cli_result(run(a, "cli overlay %s" % arc.label, cli_cmd(
                a, arc, images, "overlay", LAYERS, out + "/overlay", ["--no-generate"]), arc.need_gib()))),
            ("cli overlay+grid", lambda: cli_result(run(a, "cli grid %s" % arc.label, cli_cmd(
                a, arc, images, "overlay,grid", LAYERS, out + "/grid", ["--no-generate"]), arc.need_gib()))),
            ("python 4 layers", lambda: python_result(run(a, "python %s" % arc.label, python_cmd(
                a, arc, images, out + "/python", ["--layers", LAYERS]), arc.need_gib()))),
            ("python 4 layers, OMP passive", lambda: python_result(run(a, "python passive %s" % arc.label, python_cmd(
                a, arc, images, out + "/python", ["--layers", LAYERS]), arc.need_gib(), env=PASSIVE_ENV))),
            ("python all layers", lambda: python_result(run(a, "python all %s" % arc.label, python_cmd(
                a, arc, images[:2], out + "/python_all", ["--layers", "all"]), arc.need_gib() + 1)))]
    if "cli" in a.skip:
        runs = [r for r in runs if not r[0].startswith("cli")]
    if "python" in a.skip:
        runs = [r for r in runs if not r[0].startswith("python")]
    results = {name: [] for name, _ in runs}
    for rep in range(a.reps):
        for name, fn in (runs if rep % 2 == 0 else runs[::-1]):
            results[name].append(fn())
            x = results[name][-1]
            log("%s %s: %.2f s per image, peak %.0f MiB, load %.1f" % (
                name, arc.label, x.get("per_image_s", float("nan")), x["peak_rss_kb"] / 1024, x["load"]))
    return {name: {"runs": v, "per_image_s": med([x["per_image_s"] for x in v]),
                   "peak_rss_kb": max(x["peak_rss_kb"] for x in v)} for name, v in results.items()}


def section_long(a, dtype):
    """Peak RSS at 4096 image tokens, all 24 layers, one process per run."""
    arc = Archive(a, "150m", "long", dtype)
    image = a.image_paths[:1]
    out = os.path.join(a.work, "out_long")
    need = arc.need_gib()
    rows = {}
    for mode, layers in (("bare", "all"), ("taps", "all")):
        r = run(a, "long mem %s %s" % (mode, arc.label), [a.bench_capture, "mem", arc.path, "--mode", mode,
                                                          "--layers", layers, "--threads", str(a.threads)],
                need + (2 if mode == "taps" else 0))
        j = r["lines"][-1]
        rows["bare forward" if mode == "bare" else "full-matrix taps, 24 layers (bench_capture)"] = {
            "peak_rss_kb": r["maxrss_kb"], "seconds": j["forward_s"], "captured_bytes": j["captured_bytes"],
            "rss_after_load_kb": j["rss_after_load_kb"], "load": r["load"], "cpu": r["cpu"], "sys": r["sys"],
            "minflt": r["minflt"]}
    for view in ("overlay", "overlay,grid"):
        r = cli_result(run(a, "long cli %s %s" % (view, arc.label), cli_cmd(
            a, arc, image, view, "all", out + "/" + view.replace(",", "_"), ["--no-generate"]), need + 2))
        rows["attnviz run, %s, 24 layers" % view.replace(",", " + ")] = {
            "peak_rss_kb": r["peak_rss_kb"], "seconds": r["first_s"], "load": r["load"], "cpu": r["cpu"],
            "sys": r["sys"], "minflt": r["minflt"]}
    cap = ["--mem-cap-gib", str(a.python_cap_gib)]
    for label, extra, gib in (("Python way, hooks keep full matrices, 24 layers", ["--layers", "all"] + cap,
                               a.python_cap_gib),
                              ("Python way, hooks keep last rows, 24 layers", ["--layers", "all", "--keep", "last-row"],
                               need),
                              ("Python way, bare forward", ["--bare"], need)):
        r = python_result(run(a, "long %s" % label, python_cmd(a, arc, image, out + "/python", extra), gib,
                              ok_codes=(0, 3)))
        rows[label] = {"peak_rss_kb": r["peak_rss_kb"], "seconds": r.get("forward_s"), "status": r["status"],
                       "error": r["error"], "kept_bytes": r["kept_bytes"], "load": r["load"], "cpu": r["cpu"],
                       "sys": r["sys"], "minflt": r["minflt"]}
    cfg = vlm_scale.config("150m", "long")
    t = vlm_scale.TEXT_PREFIX + arc.gh * arc.gw + 8  # the default prompt's 13 ids
    rows["_meta"] = {"tokens": t, "heads": cfg["heads"], "layers": cfg["layers"],
                     "output_attentions_bytes": cfg["layers"] * cfg["heads"] * t * t * 4,
                     "python_cap_gib": a.python_cap_gib, "model": arc.label}
    for label, r in rows.items():
        if not label.startswith("_"):
            log("long %s: peak %.0f MiB %s" % (label, r["peak_rss_kb"] / 1024, r.get("status", "")))
    return rows


def section_generation(a):
    arc = Archive(a, "150m", "base", "fp32")
    out = os.path.join(a.work, "out_gen")
    image = a.image_paths[:1]
    res = {}
    for label, extra in (("one forward (--no-generate)", ["--no-generate"]),
                         ("generate %d tokens" % a.gen_tokens, ["--max-new-tokens", str(a.gen_tokens)])):
        r = run(a, "gen %s" % label, cli_cmd(a, arc, image, "overlay", LAYERS, out, extra), arc.need_gib())
        rec = [x for x in r["lines"] if "seconds" in x][0]
        with open([f for f in rec["files"] if f.endswith(".json")][0]) as f:
            answer_ids = len(json.load(f).get("answer_ids", []))
        res[label] = {"seconds": rec["seconds"], "answer": rec.get("answer", ""), "answer_tokens": answer_ids,
                      "wall": r["wall"], "load": r["load"]}
        log("generation %s: %.1f s (%d answer tokens)" % (label, rec["seconds"], answer_ids))
    return res


def section_figure(a):
    small, big = Archive(a, "150m", "base", "fp32"), Archive(a, "1.2b", "base", "fp32")
    out = os.path.join(a.work, "figure")
    shutil.rmtree(out, ignore_errors=True)
    # Logarithmic colours: in a causal decoder the first rows (1.0 on the diagonal) hold the
    # linear scale's maximum, and every other cell is near its dark end.
    r = run(a, "figure", [a.attnviz, "run", small.path, big.path, a.image_paths[0], "--layers", LAYERS, "--view",
                          "grid", "--log", "--query", "last", "--no-generate", "--threads", str(a.threads),
                          "--no-progress", "--out", out] + small.layout_args, small.need_gib() + big.need_gib())
    files = sorted(os.listdir(out)) if os.path.isdir(out) else []
    log("figure: %s" % ", ".join(files))
    return {"dir": out, "files": files, "wall": r["wall"], "peak_rss_kb": r["maxrss_kb"]}


# ----------------------------------------------------------------------------- report
def cli_cpu_per_image(cli, load_section):
    """CPU seconds per image of `attnviz run`: its process CPU less that of a process that
    only loads the model (process start, load, graph scan), over the images."""
    runs = cli.get("runs", []) if cli else []
    if not runs or not load_section or "process_cpu" not in load_section:
        return None
    return med([(x["cpu"] - load_section["process_cpu"]) / x["images"] for x in runs])


def mib(kb):
    return "%.0f MiB" % (kb / 1024) if kb else ""


def sec(s):
    return "" if s is None else ("%.2f s" % s if s < 100 else "%.0f s" % s)


def markdown(results, a):
    L = []
    meta = results["meta"]
    L.append("Measured %s on %s (%d cores), load average %s at the start; attnviz `%s`%s; %d threads each; "
             "layers `%s`, the last query row, 576 image tokens after 5 text ids + 8 more (589 tokens)." % (
                 meta["date"], meta["host"], meta["cores"], meta["load_start"], meta["attnviz"],
                 " with `--image-tokens 5:24x24` (archives without the segment layout)" if a.legacy_layout else "",
                 a.threads, LAYERS))
    L.append("")
    models = results.get("models", {})
    if models:
        L.append("| model | parameters | file | attnviz load | RSS after load | Python load |")
        L.append("| --- | --- | --- | --- | --- | --- |")
        for label, m in models.items():
            ld = m.get("load", {})
            py = m.get("cli_python", {}).get("python 4 layers", {}).get("runs", [{}])[0]
            L.append("| %s | %s | %.0f MB | %s | %s | %s |" % (
                label, "{:,}".format(m["parameters"]), m["file_bytes"] / 1e6, sec(ld.get("load_s")),
                mib(ld.get("rss_after_load_kb")), sec(py.get("load_s"))))
        L.append("")
        L.append("Capture against the bare forward, one process, interleaved medians (`bench_capture "
                 "overhead`, layers %s, the full matrices of today's taps); wall time, and CPU time of the "
                 "process, which waiting for a core on a shared machine does not inflate:" % LAYERS)
        L.append("")
        L.append("| model | bare forward | capture | overhead, wall | overhead, CPU (target <= 1.03x) | load |")
        L.append("| --- | --- | --- | --- | --- | --- |")
        for label, m in models.items():
            o = m.get("overhead")
            if o:
                L.append("| %s | %s | %s | %.3fx | %.3fx | %.1f |" % (
                    label, sec(o["bare_median_s"]), sec(o["tapped_median_s"]), o["ratio_of_medians"],
                    o["cpu_ratio_of_medians"], o["load"]))
        L.append("")
        L.append("Per image (589 tokens): *attnviz run* per image is its `--ndjson` seconds, the first image "
                 "left out; its CPU per image is (process CPU - CPU of loading alone) / images. The Python way "
                 "runs as users run it (OpenMP threads spin while they wait), and with "
                 "OMP_WAIT_POLICY=PASSIVE, as attnviz does; its CPU per image is measured in the process.")
        L.append("")
        L.append("| model | attnviz run, overlay | CPU | attnviz run, overlay + grid | Python way | "
                 "Python way, passive | CPU | Python way / attnviz, wall (target >= 1.5x on 150M) | same, "
                 "passive, CPU | Python way, 24 layers | load |")
        L.append("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
        for label, m in models.items():
            c = m.get("cli_python", {})
            ov, gr = c.get("cli overlay", {}), c.get("cli overlay+grid", {})
            py, pyp = c.get("python 4 layers", {}), c.get("python 4 layers, OMP passive", {})
            pya = c.get("python all layers", {})
            av_cpu = cli_cpu_per_image(ov, m.get("load"))
            py_cpu = med([x.get("per_image_cpu_s") for x in pyp.get("runs", []) if x.get("per_image_cpu_s")])
            ratio = py["per_image_s"] / ov["per_image_s"] if py.get("per_image_s") and ov.get("per_image_s") else None
            cpu_ratio = py_cpu / av_cpu if av_cpu and py_cpu == py_cpu else None
            L.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                label, sec(ov.get("per_image_s")), sec(av_cpu), sec(gr.get("per_image_s")), sec(py.get("per_image_s")),
                sec(pyp.get("per_image_s")), sec(py_cpu if py_cpu == py_cpu else None),
                "%.2fx" % ratio if ratio else "", "%.2fx" % cpu_ratio if cpu_ratio else "",
                sec(pya.get("per_image_s")), "%.1f" % med([x["load"] for x in ov.get("runs", [])]) if ov else ""))
        L.append("")
        L.append("Peak RSS, one process each (589 tokens):")
        L.append("")
        L.append("| model | bare forward | taps, 4 layers (bench_capture) | attnviz run, overlay | "
                 "attnviz run, overlay + grid | Python way, 4 layers | Python way, 24 layers (output_attentions) |")
        L.append("| --- | --- | --- | --- | --- | --- | --- |")
        for label, m in models.items():
            mem, c = m.get("memory", {}), m.get("cli_python", {})
            L.append("| %s | %s | %s | %s | %s | %s | %s |" % (
                label, mib(mem.get("bare", {}).get("peak_rss_kb")), mib(mem.get("taps", {}).get("peak_rss_kb")),
                mib(c.get("cli overlay", {}).get("peak_rss_kb")), mib(c.get("cli overlay+grid", {}).get("peak_rss_kb")),
                mib(c.get("python 4 layers", {}).get("peak_rss_kb")),
                mib(c.get("python all layers", {}).get("peak_rss_kb"))))
        dtype_rows = []
        for label, m in models.items():
            ref = models.get("%s fp32" % m["size"])
            if m["dtype"] == "fp32" or not ref:
                continue
            t, t0 = m.get("overhead", {}).get("bare_median_s"), ref.get("overhead", {}).get("bare_median_s")
            r, r0 = m.get("memory", {}).get("bare", {}).get("peak_rss_kb"), \
                ref.get("memory", {}).get("bare", {}).get("peak_rss_kb")
            if t and t0 and r and r0:
                dtype_rows.append("| %s | %.2fx | %s | %.2fx |" % (label, t / t0, "slower" if t > t0 else "faster",
                                                                    r / r0))
        if dtype_rows:
            L.append("")
            L.append("Half precision against fp32 (bare forward, same size): fp16 archives keep float16 weights "
                     "and compute in float32 (libtorch 1.13 has no float16 CPU kernels for matmul, softmax, "
                     "layer_norm, conv2d, silu, gelu, rsqrt, cos); bf16 computes in bfloat16.")
            L.append("")
            L.append("| model | time vs fp32 | | peak RSS vs fp32 |")
            L.append("| --- | --- | --- | --- |")
            L.extend(dtype_rows)
    lg = results.get("long")
    for dtype, rows in (lg or {}).items():
        m = rows["_meta"]
        bare = rows["bare forward"]["peak_rss_kb"]
        L.append("")
        L.append("Peak RSS at %d tokens (4096 image tokens), all %d layers, %s, one process each. "
                 "transformers' output_attentions would keep %d x %d heads x %d^2 floats = %.1f GiB; the Python "
                 "way that keeps full matrices runs under an address-space cap of %s GiB:" % (
                     m["tokens"], m["layers"], m["model"], m["layers"], m["heads"], m["tokens"],
                     m["output_attentions_bytes"] / 2 ** 30, m["python_cap_gib"]))
        L.append("")
        L.append("| run | peak RSS | vs bare | forward | process CPU (of it sys) | minor page faults | note |")
        L.append("| --- | --- | --- | --- | --- | --- | --- |")
        for label, r in rows.items():
            if label.startswith("_"):
                continue
            note = ""
            if r.get("status") == "out_of_memory":
                note = "**out of memory**: %s" % (r.get("error") or "")[:120]
            elif r.get("captured_bytes"):
                note = "captured %.0f MiB" % (r["captured_bytes"] / 2 ** 20)
            elif r.get("kept_bytes"):
                note = "kept %.0f MiB" % (r["kept_bytes"] / 2 ** 20)
            target = " (target <= 1.05x)" if label == "attnviz run, overlay, 24 layers" else ""
            L.append("| %s | %s | %.2fx%s | %s | %s (%s) | %.1f M | %s |" % (
                label, mib(r["peak_rss_kb"]), r["peak_rss_kb"] / bare, target, sec(r.get("seconds")),
                sec(r.get("cpu")), sec(r.get("sys")), r.get("minflt", 0) / 1e6, note))
    g = results.get("generation")
    if g:
        one = g["one forward (--no-generate)"]
        L.append("")
        L.append("Generation on the 150M fp32 model (`attnviz run`, one image, seconds of that image): a "
                 "TorchScript forward has no KV cache, so each new token is a full forward over the whole "
                 "sequence, and the capture needs one more when no EOS ends the answer.")
        L.append("")
        L.append("| run | time | answer tokens | per forward |")
        L.append("| --- | --- | --- | --- |")
        for label, r in g.items():
            n = r["answer_tokens"]
            forwards = n + 1 if label != "one forward (--no-generate)" else 1
            L.append("| %s | %s | %d | %s (%d forwards) |" % (label, sec(r["seconds"]), n,
                                                              sec(r["seconds"] / forwards), forwards))
        L.append("")
        L.append("(one forward: %s)" % sec(one["seconds"]))
    f = results.get("figure")
    if f:
        L.append("")
        L.append("Two-model grid (150M above 1.2B, layers %s): %s, %s peak RSS." % (
            LAYERS, ", ".join(f["files"]), mib(f["peak_rss_kb"])))
    return "\n".join(L) + "\n"


# ----------------------------------------------------------------------------- main
def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build-dir", required=True)
    ap.add_argument("--attnviz", help="the binary to measure (default: BUILD/attnviz)")
    ap.add_argument("--legacy-layout", action="store_true",
                    help="archives without the segment layout, and --image-tokens 5:24x24")
    ap.add_argument("--sizes", default="150m,1.2b")
    ap.add_argument("--dtypes", default="fp32,bf16,fp16")
    ap.add_argument("--long-dtypes", default="fp32")
    ap.add_argument("--images", type=int, default=4, help="images per attnviz / Python run (1.2B: one fewer)")
    ap.add_argument("--reps", type=int, default=1, help="repetitions of the per-image runs, interleaved")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--gen-tokens", type=int, default=16)
    ap.add_argument("--python-cap-gib", type=float, default=8.0)
    ap.add_argument("--skip", default="", help="comma list: load,overhead,memory,cli,python,long,generation,figure")
    ap.add_argument("--quick", action="store_true", help="150M fp32 only, 2 images, no long or figure")
    ap.add_argument("--update-readme", action="store_true")
    ap.add_argument("--from-json", action="store_true", help="no measurement: the tables of DIR/bench/scale.json")
    a = ap.parse_args()
    a.skip = set(filter(None, a.skip.split(",")))
    if a.quick:
        a.sizes, a.dtypes, a.images = "150m", "fp32", 2
        a.skip |= {"long", "figure"}
    a.sizes = [s for s in a.sizes.split(",") if s]
    a.dtypes = [d for d in a.dtypes.split(",") if d]
    a.long_dtypes = [d for d in a.long_dtypes.split(",") if d]
    a.build_dir = os.path.abspath(a.build_dir)
    a.attnviz = os.path.abspath(a.attnviz or os.path.join(a.build_dir, "attnviz"))
    a.bench_capture = os.path.join(a.build_dir, "bench", "bench_capture")
    a.models_dir = os.path.join(a.build_dir, "bench", "scale-models")
    a.work = os.path.join(a.build_dir, "bench", "scale-work")
    a.overhead_iters = {"tiny": 2, "150m": 2 if a.quick else 5, "1.2b": 2}
    a.images_for = {"tiny": a.images, "150m": a.images, "1.2b": max(2, a.images - 1)}
    scenes = os.path.join(ROOT, "examples", "scenes")
    a.image_paths = sorted(os.path.join(scenes, f) for f in os.listdir(scenes) if f.endswith(".png"))
    os.makedirs(a.work, exist_ok=True)
    for tool in (a.attnviz, a.bench_capture):
        if not os.access(tool, os.X_OK):
            sys.exit("run_scale: %s is missing (cmake --build BUILD --target attnviz bench_capture)" % tool)

    out_json = os.path.join(a.build_dir, "bench", "scale.json")
    if a.from_json:
        with open(out_json) as f:
            results = json.load(f)
        a.legacy_layout = results["meta"]["legacy_layout"]
        a.threads = results["meta"]["threads"]
        return report(results, a)
    results = {"meta": {"date": time.strftime("%Y-%m-%d %H:%M"), "host": os.uname().nodename, "cores": os.cpu_count(),
                        "load_start": load(), "attnviz": a.attnviz, "legacy_layout": a.legacy_layout,
                        "threads": a.threads}}
    log("load %.1f; making the archives (absent ones only)" % load())
    make_archives(a)

    def save():
        with open(out_json, "w") as f:
            json.dump(results, f, indent=1)

    results["models"] = {}
    for size in a.sizes:
        for dtype in a.dtypes:
            arc = Archive(a, size, "base", dtype)
            m = {"size": size, "dtype": dtype, "file_bytes": os.path.getsize(arc.path),
                 "parameters": vlm_scale.parameter_count(vlm_scale.ScaleVLM(vlm_scale.config(size), device="meta"))}
            results["models"][arc.label] = m
            if "load" not in a.skip:
                m["load"] = section_load(a, arc)
            if "overhead" not in a.skip:
                m["overhead"] = section_overhead(a, arc)
            if "memory" not in a.skip:
                m["memory"] = section_memory(a, arc)
            if not {"cli", "python"} <= a.skip:
                m["cli_python"] = section_cli_python(a, arc)
            save()
    if "long" not in a.skip:
        results["long"] = {dtype: section_long(a, dtype) for dtype in a.long_dtypes}
        save()
    if "generation" not in a.skip and "150m" in a.sizes and "fp32" in a.dtypes:
        results["generation"] = section_generation(a)
        save()
    if "figure" not in a.skip and {"150m", "1.2b"} <= set(a.sizes) and "fp32" in a.dtypes:
        results["figure"] = section_figure(a)
        save()
    report(results, a)


def report(results, a):
    md = markdown(results, a)
    with open(os.path.join(a.build_dir, "bench", "scale.md"), "w") as f:
        f.write(md)
    print(md)
    if a.update_readme:
        run_bench.update_readme(md, "scale")


if __name__ == "__main__":
    main()
