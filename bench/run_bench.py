#!/usr/bin/env python3
"""attnviz benchmark driver (bench/README.md). bench/run.sh builds, then runs this.

    run_bench.py --build-dir DIR [--quick] [--model PATH] [--images N] [--reps N]
                 [--skip python,overhead,callgrind,memory,scaling,floor,micro] [--update-readme]

Every comparison is made in the same run, interleaved, and reported as a ratio together
with the load average at the time: the machines this runs on are shared and noisy. Wall
and CPU times of whole processes come from wait4(), peak RSS too. Writes
DIR/bench/results.json and DIR/bench/results.md; --update-readme also replaces the results
section of bench/README.md.
"""
import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PY = "/usr/bin/python3"


# ----------------------------------------------------------------------------- processes
def spawn(cmd, log, env=None, ok_codes=(0,)):
    """Runs cmd (argv[0] an absolute path) with stdout/stderr to log(.err); returns wall
    seconds, CPU seconds (user + sys; sys alone), minor page faults, peak RSS in KiB and the
    exit code, from wait4().
    An exit code outside ok_codes ends the benchmark."""
    with open(log, "wb") as out, open(log + ".err", "wb") as err:
        t0 = time.perf_counter()
        pid = os.posix_spawn(cmd[0], cmd, env if env is not None else os.environ,
                             file_actions=[(os.POSIX_SPAWN_DUP2, out.fileno(), 1),
                                           (os.POSIX_SPAWN_DUP2, err.fileno(), 2)])
        _, status, ru = os.wait4(pid, 0)
        wall = time.perf_counter() - t0
    code = os.waitstatus_to_exitcode(status)
    if code not in ok_codes:
        with open(log + ".err", "rb") as f:
            tail = f.read()[-2000:].decode(errors="replace")
        raise SystemExit("run_bench: %s exited %d:\n%s" % (" ".join(cmd[:6]), code, tail))
    return {"wall": wall, "cpu": ru.ru_utime + ru.ru_stime, "sys": ru.ru_stime, "minflt": ru.ru_minflt,
            "maxrss_kb": ru.ru_maxrss, "code": code}


def json_lines(path):
    with open(path) as f:
        return [json.loads(l) for l in f if l.startswith("{")]


def load():
    return round(os.getloadavg()[0], 2)


def med(v):
    return statistics.median(v) if v else float("nan")


class Log:
    def __init__(self):
        self.t0 = time.time()

    def __call__(self, *a):
        print("[%5.0fs] " % (time.time() - self.t0) + " ".join(str(x) for x in a), file=sys.stderr, flush=True)


log = Log()


# ----------------------------------------------------------------------------- inputs
def make_images(dirname, n):
    """n synthetic scenes (models/scenes.py, seeds 800000+: not training, evaluation or
    examples), 64x64 PNGs."""
    os.makedirs(dirname, exist_ok=True)
    paths = [os.path.join(dirname, "bench_%03d.png" % i) for i in range(n)]
    if all(os.path.exists(p) for p in paths):
        return paths
    code = ("import sys, cv2; sys.path.insert(0, %r); import scenes\n"
            "for i, p in enumerate(sys.argv[1:]):\n"
            "    cv2.imwrite(p, cv2.cvtColor(scenes.make_scene(800000 + i)['image'], cv2.COLOR_RGB2BGR))\n"
            % os.path.join(ROOT, "models"))
    subprocess.run([PY, "-B", "-c", code] + paths, check=True)
    return paths


def make_bench_model(path, extra=()):
    if not os.path.exists(path):
        subprocess.run([PY, os.path.join(HERE, "make_bench_model.py"), path] + list(extra), check=True)
    return path


# ----------------------------------------------------------------------------- sections
def interleaved(rep, cmds, tail, log_suffix, a, env):
    """Runs each named command (+ tail(name)) once, in the given order on even reps and
    reversed on odd ones, so that neither side always runs first; returns spawn() per name."""
    order = list(cmds.items())
    if rep % 2:
        order.reverse()
    return {name: spawn(cmd + tail(name), os.path.join(a.work, name + log_suffix), env) for name, cmd in order}


def python_vs_attnviz(a, env, results):
    """100-image batch and cold single image: attnviz run vs python_way.py, interleaved."""
    images = a.image_paths
    layers = a.layers
    out = os.path.join(a.work, "out")
    shutil.rmtree(out, ignore_errors=True)
    attnviz_cmd = [a.attnviz, "run", a.model] + ["--layers", layers]
    python_cmd = [PY, os.path.join(HERE, "python_way.py"), a.model, "--layers", layers]
    # Check once that the Python way runs against this model (and matches TorchScript).
    spawn(python_cmd + [images[0], "--out", out + "/check", "--check"], os.path.join(a.work, "py_check.log"), env)

    rows = []
    for threads_label, av_extra, py_extra in [("defaults", [], []), ("1 thread each", ["--threads", "1"],
                                                                     ["--threads", "1"])]:
        cmds = {"attnviz": attnviz_cmd + av_extra, "python": python_cmd + py_extra}
        batch = {"attnviz": [], "python": [], "ratio": [], "load": []}
        for rep in range(a.reps):
            l0 = load()
            t = interleaved(rep, cmds, lambda name: images + ["--out", "%s/%s" % (out, name)], "_batch.log", a, env)
            batch["attnviz"].append(t["attnviz"]["wall"] / len(images))
            batch["python"].append(t["python"]["wall"] / len(images))
            batch["ratio"].append(t["python"]["wall"] / t["attnviz"]["wall"])
            batch["load"].append((l0 + load()) / 2)
            log("batch %s rep %d: attnviz %.1f ms/image, python %.1f ms/image, load %.1f" % (
                threads_label, rep, 1000 * batch["attnviz"][-1], 1000 * batch["python"][-1], batch["load"][-1]))
        cold = {"attnviz": [], "python": [], "attnviz_cpu": [], "python_cpu": [], "ratio": [], "cpu_ratio": [],
                "load": [], "start": []}
        for rep in range(a.cold_reps):
            l0 = load()
            t = interleaved(rep, cmds, lambda name: [images[rep % len(images)], "--out", "%s/cold_%s" % (out, name)],
                            "_cold.log", a, env)
            for k in ("attnviz", "python"):
                cold[k].append(t[k]["wall"])
                cold[k + "_cpu"].append(t[k]["cpu"])
            cold["ratio"].append(t["python"]["wall"] / t["attnviz"]["wall"])
            cold["cpu_ratio"].append(t["python"]["cpu"] / t["attnviz"]["cpu"])
            cold["load"].append((l0 + load()) / 2)
            # The floor of any cold run: starting a process that links Debian's libtorch
            # (its static initialisers register ~2000 operators; ~290 shared libraries).
            cold["start"].append(spawn([a.attnviz, "--version"], os.path.join(a.work, "start.log"), env)["wall"])
        log("cold %s: attnviz %.2f s (cpu %.2f), python %.2f s (cpu %.2f), load %.1f" % (
            threads_label, med(cold["attnviz"]), med(cold["attnviz_cpu"]), med(cold["python"]),
            med(cold["python_cpu"]), med(cold["load"])))
        rows.append({"threads": threads_label, "images": len(images), "batch": batch, "cold": cold})
    results["python_vs_attnviz"] = rows


def floor_ratio(a, env, results):
    """Per-image time against the floor (bare forwards + PNG encoding), in one process."""
    images = a.image_paths[:a.floor_images]
    log_path = os.path.join(a.work, "floor.log")
    l0 = load()
    spawn([a.bench_capture, "pipeline", a.model] + images +
          ["--layers", a.layers, "--out", os.path.join(a.work, "floor_out"), "--rounds", str(a.floor_rounds),
           "--threads", "1"], log_path, env)
    r = json_lines(log_path)[-1]
    r["load"] = (l0 + load()) / 2
    log("floor: full %.1f ms, floor %.1f ms, ratio %.3f, load %.1f" % (
        1000 * r["full_mean_s"], 1000 * r["floor_mean_s"], r["ratio_of_sums"], r["load"]))
    results["floor"] = r


def overhead(a, env, results):
    """Forward with taps vs the bare forward, same process: seconds, and instructions."""
    rows = []
    cases = [("bundled model, layers " + a.layers, a.model, ["--layers", a.layers, "--iters", str(a.overhead_iters)])]
    cases.append(("bench model 512 tokens, 4 of 24 layers", a.bench_model,
                  ["--layers", "1,5,14,23", "--image", "128x256", "--iters", str(max(5, a.overhead_iters // 3)),
                   "--warmup", "2"]))
    if not a.quick:
        cases.append(("bench model 2048 tokens, 4 of 24 layers", a.bench_model,
                      ["--layers", "1,5,14,23", "--iters", "4", "--warmup", "1"]))
    for label, model, extra in cases:
        path = os.path.join(a.work, "overhead.log")
        l0 = load()
        spawn([a.bench_capture, "overhead", model, "--threads", "1"] + extra, path, env)
        r = json_lines(path)[-1]
        r["label"] = label
        r["load"] = (l0 + load()) / 2
        log("overhead %s: tapped/bare %.3f (median of ratios %.3f), load %.1f" % (
            label, r["ratio_of_medians"], r["median_of_ratios"], r["load"]))
        rows.append(r)
    results["overhead"] = rows


def callgrind_overhead(a, env, results):
    """The same comparison in instructions (callgrind), free of the machine's noise."""
    if not shutil.which("valgrind"):
        log("callgrind: valgrind not installed, skipped")
        return
    rows = []
    cases = [("bundled model, layers " + a.layers, a.model, ["--layers", a.layers, "--iters", "6"], 6),
             ("bench model 512 tokens, 4 of 24 layers", a.bench_model,
              ["--layers", "1,5,14,23", "--image", "128x256", "--iters", "2", "--warmup", "1"], 2)]
    for label, model, extra, iters in cases:
        out = os.path.join(a.work, "callgrind.out")
        spawn(["/usr/bin/valgrind", "--tool=callgrind", "--callgrind-out-file=" + out, a.bench_capture, "overhead",
               model, "--threads", "1"] + extra, os.path.join(a.work, "callgrind.log"), env)
        text = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100", out], capture_output=True,
                              text=True).stdout
        cost = {}
        for name in ("measured_bare", "measured_tapped", "measured_zero_taps"):
            # "???:(anonymous namespace)::measured_bare(attnviz::Model const&, ...)"
            m = re.search(r"^\s*([\d,]+) \([^)]*\)\s+.*?::%s\(" % name, text, re.M)
            cost[name] = int(m.group(1).replace(",", "")) if m else None
        if cost["measured_bare"] and cost["measured_tapped"]:
            rows.append({"label": label, "iters": iters, "bare_instructions": cost["measured_bare"],
                         "tapped_instructions": cost["measured_tapped"],
                         "zero_taps_instructions": cost["measured_zero_taps"],
                         "ratio": cost["measured_tapped"] / cost["measured_bare"]})
            log("callgrind %s: tapped/bare instructions %.4f" % (label, rows[-1]["ratio"]))
    results["callgrind_overhead"] = rows


def memory(a, env, results):
    """Peak RSS, one process per measurement, on the 24-layer bench model."""
    rows = []

    def measure(mode, layers, image, label):
        path = os.path.join(a.work, "mem.log")
        r = spawn([a.bench_capture, "mem", a.bench_model, "--mode", mode, "--layers", layers, "--image", image,
                   "--threads", "1"], path, env)
        j = json_lines(path)[-1]
        j.update({"label": label, "wait4_maxrss_kb": r["maxrss_kb"], "wall": r["wall"], "load": load()})
        log("memory %-34s peak %7.1f MiB (after load %6.1f MiB)" % (label, j["peak_rss_kb"] / 1024,
                                                                    j["rss_after_load_kb"] / 1024))
        rows.append(j)
        return j

    sizes = [("2048", "256x512")] if a.quick else [("512", "128x256"), ("1024", "256x256"), ("2048", "256x512")]
    for tokens, image in sizes:
        measure("bare", "all", image, "bare forward @%s" % tokens)
        measure("taps", "1,5,14,23", image, "4 of 24 layers @%s" % tokens)
    if not a.quick:
        for layers, n in [("23", 1), ("5,23", 2), ("1,5,9,14,19,23", 6), ("0-11", 12), ("all", 24)]:
            measure("taps", layers, "256x512", "%d of 24 layers @2048" % n)
    results["memory"] = rows


def scaling(a, env, results):
    """images/s at --jobs 1 and 2 (--threads 1 each), 1 job on every core, and the defaults.
    The list is the images repeated --scaling-repeat times: a run pays ~0.4 s of process
    start and model load once, which at 100 images would hide how the jobs scale."""
    help_text = subprocess.run([a.attnviz, "run", "--help"], capture_output=True, text=True).stdout
    if "--jobs" not in help_text:
        results["scaling"] = {"note": "attnviz run has no --jobs option in this build"}
        log("scaling: no --jobs in this build, skipped")
        return
    images = a.image_paths * a.scaling_repeat
    out = os.path.join(a.work, "scaling_out")
    rows = []
    configs = [("--jobs 1 --threads 1", ["--jobs", "1", "--threads", "1"]),
               ("--jobs 2 --threads 1", ["--jobs", "2", "--threads", "1"]),
               ("--jobs 1 --threads %d" % os.cpu_count(), ["--jobs", "1", "--threads", str(os.cpu_count())]),
               ("defaults (--jobs auto)", [])]
    for rep in range(a.reps):
        for label, extra in (configs if rep % 2 == 0 else configs[::-1]):
            shutil.rmtree(out, ignore_errors=True)
            l0 = load()
            r = spawn([a.attnviz, "run", a.model, "--layers", a.layers, "--out", out] + extra + images,
                      os.path.join(a.work, "scaling.log"), env)
            rows.append({"config": label, "rep": rep, "images_per_s": len(images) / r["wall"],
                         "cpu_per_image": r["cpu"] / len(images), "cores_used": r["cpu"] / r["wall"],
                         "load": (l0 + load()) / 2})
            log("scaling %s: %.1f images/s, %.1f ms CPU/image, %.2f cores used" % (
                label, rows[-1]["images_per_s"], 1000 * rows[-1]["cpu_per_image"], rows[-1]["cores_used"]))
    summary, cpu, cores = {}, {}, {}
    for label, _ in configs:
        summary[label] = med([r["images_per_s"] for r in rows if r["config"] == label])
        cpu[label] = med([r["cpu_per_image"] for r in rows if r["config"] == label])
        cores[label] = med([r["cores_used"] for r in rows if r["config"] == label])
    pairs = [r2["images_per_s"] / r1["images_per_s"] for r1 in rows for r2 in rows
             if r1["rep"] == r2["rep"] and r1["config"] == "--jobs 1 --threads 1" and r2["config"] == "--jobs 2 --threads 1"]
    results["scaling"] = {"runs": rows, "median_images_per_s": summary, "median_cpu_per_image": cpu,
                          "median_cores_used": cores, "jobs2_over_jobs1": med(pairs),
                          "load": med([r["load"] for r in rows])}


def micro(a, env, results):
    path = os.path.join(a.work, "micro.json")
    min_time = "0.05" if a.quick else "0.3"
    spawn([a.micro_bench, "--benchmark_format=json", "--benchmark_min_time=" + min_time], path, env)
    with open(path) as f:
        doc = json.load(f)
    results["micro"] = {"load": load(), "benchmarks": [
        {"name": b["name"], "real_time": b["real_time"], "cpu_time": b["cpu_time"], "unit": b["time_unit"]}
        for b in doc["benchmarks"]]}
    log("micro: %d benchmarks" % len(doc["benchmarks"]))


# ----------------------------------------------------------------------------- report
def fmt_ms(s):
    return "%.1f ms" % (1000 * s)


def markdown(results, a):
    L = []
    meta = results["meta"]
    L.append("Measured %s on %s (%d cores), load average %s at the start; model `%s`, layers `%s`." % (
        meta["date"], meta["host"], meta["cores"], meta["load_start"], os.path.relpath(a.model, ROOT), a.layers))
    for name, date in sorted(meta.get("reused", {}).items()):
        L.append("The %s rows are from the run of %s (`--reuse %s`)." % (name, date, name))
    L.append("")
    L.append("| measure | attnviz | reference | ratio | target | met | load |")
    L.append("| --- | --- | --- | --- | --- | --- | --- |")

    def row(what, mine, ref, ratio, target, ok, ld):
        L.append("| %s | %s | %s | %s | %s | %s | %s |" % (what, mine, ref, ratio, target,
                                                         ok if isinstance(ok, str) else "yes" if ok else "**no**",
                                                         "%.1f" % ld if isinstance(ld, float) else ld))

    for r in results.get("python_vs_attnviz", []):
        b, c = r["batch"], r["cold"]
        ratio = med(b["ratio"])
        row("%d-image batch, per image (%s)" % (r["images"], r["threads"]), fmt_ms(med(b["attnviz"])),
            "Python way " + fmt_ms(med(b["python"])), "%.2fx faster" % ratio, ">= 1.5x", ratio >= 1.5,
            med(b["load"]))
        ratio = med(c["ratio"])
        row("cold single image, wall (%s)" % r["threads"], "%.2f s" % med(c["attnviz"]),
            "Python way %.2f s" % med(c["python"]), "%.2fx faster" % ratio, ">= 3x", ratio >= 3, med(c["load"]))
        ratio = med(c["cpu_ratio"])
        row("cold single image, CPU time (%s)" % r["threads"], "%.2f s" % med(c["attnviz_cpu"]),
            "Python way %.2f s" % med(c["python_cpu"]), "%.2fx less" % ratio, "(>= 3x)", ratio >= 3, med(c["load"]))
        if c.get("start"):
            start = med(c["start"])
            row("cold: process start alone (`attnviz --version`, %s)" % r["threads"], "%.2f s" % start,
                "Python way %.2f s" % med(c["python"]), "%.2fx (the most any cold run can reach)" % (
                    med(c["python"]) / start), "", "n/a", med(c["load"]))
        if r["threads"] == "defaults":
            cold = med(c["attnviz"])
            row("cold `attnviz run` on the bundled model, wall", "%.2f s" % cold, "", "", "< 1 s", cold < 1.0,
                med(c["load"]))
    f = results.get("floor")
    if f:
        row("per image vs floor (bare forwards + same PNG), %d images x %d" % (f["images"], f["rounds"]),
            fmt_ms(f["full_mean_s"]), "floor " + fmt_ms(f["floor_mean_s"]), "%.3fx" % f["ratio_of_sums"],
            "<= 1.15x", f["ratio_of_sums"] <= 1.15, f["load"])
    for r in results.get("overhead", []):
        row("capture overhead, %s (seconds)" % r["label"], fmt_ms(r["tapped_median_s"]),
            "bare " + fmt_ms(r["bare_median_s"]), "%.3fx" % r["ratio_of_medians"], "<= 1.03x",
            r["ratio_of_medians"] <= 1.03, r["load"])
    for c in results.get("callgrind_overhead", []):
        row("capture overhead, %s (instructions, callgrind)" % c["label"],
            "%.1f M" % (c["tapped_instructions"] / c["iters"] / 1e6),
            "bare %.1f M" % (c["bare_instructions"] / c["iters"] / 1e6), "%.4fx" % c["ratio"], "<= 1.03x",
            c["ratio"] <= 1.03, "n/a")
    mem = {r["label"]: r for r in results.get("memory", [])}
    if "bare forward @2048" in mem and "4 of 24 layers @2048" in mem:
        bare, taps = mem["bare forward @2048"], mem["4 of 24 layers @2048"]
        ratio = taps["peak_rss_kb"] / bare["peak_rss_kb"]
        row("peak RSS, 4 of 24 layers @2048 tokens", "%.0f MiB" % (taps["peak_rss_kb"] / 1024),
            "bare %.0f MiB" % (bare["peak_rss_kb"] / 1024), "%.3fx" % ratio, "<= 1.25x", ratio <= 1.25, taps["load"])
    s = results.get("scaling")
    if s and "jobs2_over_jobs1" in s:
        m = s["median_images_per_s"]
        row("--jobs 2 vs --jobs 1 (--threads 1), images/s", "%.1f/s" % m["--jobs 2 --threads 1"],
            "%.1f/s" % m["--jobs 1 --threads 1"], "%.2fx" % s["jobs2_over_jobs1"], ">= 1.8x",
            s["jobs2_over_jobs1"] >= 1.8, s["load"])
        L.append("")
        L.append("Scaling, %d images per run (the %d images %d times; images/s, CPU per image, cores the "
                 "process got):" % (a.images * a.scaling_repeat, a.images, a.scaling_repeat))
        L.append("")
        L.append("| run | images/s | CPU per image | cores used |")
        L.append("| --- | --- | --- | --- |")
        for label in m:
            L.append("| %s | %.1f | %.1f ms | %.2f |" % (label, m[label], 1000 * s["median_cpu_per_image"][label],
                                                      s["median_cores_used"][label]))
    elif s:
        row("--jobs 2 vs --jobs 1", "", "", "", ">= 1.8x", False, "n/a: " + s["note"])
    if results.get("memory"):
        L.append("")
        L.append("Peak RSS (one process each, 24-layer bench model, width 64, 4 heads, mean-fused taps):")
        L.append("")
        L.append("| run | tokens | peak RSS | after load | forward's share | captured |")
        L.append("| --- | --- | --- | --- | --- | --- |")
        for r in results["memory"]:
            L.append("| %s | %s | %.0f MiB | %.0f MiB | %.0f MiB | %.1f MiB |" % (
                r["label"], r["label"].split("@")[-1], r["peak_rss_kb"] / 1024, r["rss_after_load_kb"] / 1024,
                (r["peak_rss_kb"] - r["rss_after_load_kb"]) / 1024, r["captured_bytes"] / 2 ** 20))
    if results.get("micro"):
        L.append("")
        L.append("Micro-benchmarks (Google Benchmark, load %.1f):" % results["micro"]["load"])
        L.append("")
        L.append("| benchmark | time | CPU |")
        L.append("| --- | --- | --- |")
        for b in results["micro"]["benchmarks"]:
            L.append("| %s | %.1f %s | %.1f %s |" % (b["name"], b["real_time"], b["unit"], b["cpu_time"], b["unit"]))
    return "\n".join(L) + "\n"


def update_readme(md, section="results"):
    path = os.path.join(HERE, "README.md")
    with open(path) as f:
        text = f.read()
    begin, end = "<!-- %s:begin -->" % section, "<!-- %s:end -->" % section
    if begin not in text or end not in text:
        raise SystemExit("run_bench: %s has no %s markers" % (path, section))
    text = text[:text.index(begin) + len(begin)] + "\n" + md + text[text.index(end):]
    with open(path, "w") as f:
        f.write(text)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build-dir", required=True)
    ap.add_argument("--model", default=os.path.join(ROOT, "models", "tinyvlm-base.pt"))
    ap.add_argument("--layers", default="1,5,14,23")
    ap.add_argument("--images", type=int, default=100)
    ap.add_argument("--reps", type=int, default=3, help="repetitions of each batch comparison")
    ap.add_argument("--scaling-repeat", type=int, default=4, help="the scaling runs take the images this many times")
    ap.add_argument("--cold-reps", type=int, default=7)
    ap.add_argument("--quick", action="store_true", help="fewer images and repetitions, no callgrind")
    ap.add_argument("--skip", default="", help="comma list of sections to skip")
    ap.add_argument("--reuse", default="",
                    help="comma list of sections whose results are taken from the previous run's results.json "
                         "(e.g. callgrind, which takes ~15 min and does not depend on the machine's load)")
    ap.add_argument("--update-readme", action="store_true")
    a = ap.parse_args()
    if a.quick:
        a.images, a.reps, a.cold_reps = min(a.images, 20), 1, 3
    a.build_dir = os.path.abspath(a.build_dir)
    a.model = os.path.abspath(a.model)
    a.attnviz = os.path.join(a.build_dir, "attnviz")
    a.bench_capture = os.path.join(a.build_dir, "bench", "bench_capture")
    a.micro_bench = os.path.join(a.build_dir, "bench", "micro_bench")
    a.work = os.path.join(a.build_dir, "bench", "work")
    a.floor_images, a.floor_rounds = (10, 1) if a.quick else (20, 3)
    a.overhead_iters = 10 if a.quick else 40
    os.makedirs(a.work, exist_ok=True)
    skip = set(filter(None, a.skip.split(",")))
    if a.quick:
        skip.add("callgrind")
    env = dict(os.environ)

    results = {"meta": {"date": time.strftime("%Y-%m-%d %H:%M"), "host": os.uname().nodename,
                        "cores": os.cpu_count(), "load_start": load(), "model": a.model, "layers": a.layers}}
    log("load %.1f; preparing inputs" % load())
    a.image_paths = make_images(os.path.join(a.build_dir, "bench", "images"), a.images)
    a.bench_model = make_bench_model(os.path.join(a.build_dir, "bench", "models", "bench-24L-w64h4.pt"),
                                     ["--layers", "24", "--width", "64", "--heads", "4", "--grid", "32x64"])
    sections = [("python", python_vs_attnviz), ("floor", floor_ratio), ("overhead", overhead),
                ("callgrind", callgrind_overhead), ("memory", memory), ("scaling", scaling), ("micro", micro)]
    result_keys = {"python": "python_vs_attnviz", "callgrind": "callgrind_overhead"}
    reuse = set(filter(None, a.reuse.split(",")))
    previous_path = os.path.join(a.build_dir, "bench", "results.json")
    previous = {}
    if reuse:
        if not os.path.exists(previous_path):
            sys.exit("run_bench: --reuse needs a previous run's %s" % previous_path)
        with open(previous_path) as f:
            previous = json.load(f)
    for name, fn in sections:
        if name in reuse:
            key = result_keys.get(name, name)
            if key not in previous:
                sys.exit("run_bench: --reuse %s: the previous run has no %s results" % (name, name))
            results[key] = previous[key]
            results["meta"].setdefault("reused", {})[name] = previous.get("meta", {}).get("date", "?")
            continue
        if name in skip:
            continue
        fn(a, env, results)
        with open(os.path.join(a.build_dir, "bench", "results.json"), "w") as f:
            json.dump(results, f, indent=1)
    md = markdown(results, a)
    with open(os.path.join(a.build_dir, "bench", "results.md"), "w") as f:
        f.write(md)
    print(md)
    if a.update_readme:
        update_readme(md)


if __name__ == "__main__":
    main()
