#!/usr/bin/env python3
"""Wall time of attnviz commands that need no model (process start to exit), median of N.

usage: startup.py ATTNVIZ [--runs N]
The snapshot diff compares examples/ci/snapshots with itself (JSON and PNG pixels).
"""
import argparse
import os
import statistics
import subprocess
import time

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(here)


def timed(cmd, runs):
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times), min(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('attnviz')
    ap.add_argument('--runs', type=int, default=21)
    a = ap.parse_args()
    snaps = os.path.join(root, 'examples/ci/snapshots')
    one = os.path.join(snaps, 'scene_000.json')
    cases = [
        ('attnviz --version', [a.attnviz, '--version']),
        ('attnviz --help', [a.attnviz, '--help']),
        ('attnviz diff (one JSON)', [a.attnviz, 'diff', one, one]),
        ('attnviz diff (snapshot dir, --png-tolerance 0)', [a.attnviz, 'diff', snaps, snaps, '--png-tolerance', '0']),
    ]
    print('| command | median | min |')
    print('| --- | --- | --- |')
    for name, cmd in cases:
        med, low = timed(cmd, a.runs)
        print(f'| `{name}` | {med * 1000:.1f} ms | {low * 1000:.1f} ms |')


if __name__ == '__main__':
    main()
