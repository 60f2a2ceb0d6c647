#!/usr/bin/env python3
"""The before/after table of docs/performance.md from the output of bench/before_after.sh:
per run the criterion median (estimates.json) or the power run's seconds, then the median over
the runs of each build.

    python3 bench/before_after.py [OUT]
"""
import json
import os
import re
import statistics
import sys

OUT = sys.argv[1] if len(sys.argv) > 1 else "target/bench-results/before-after"
CASES = ["case02_riclpm", "case14_political_democracy", "case04a_riclpm_fiml",
         "case07a_riclpm_multigroup"]


def runs(which):
    found = {}
    i = 1
    while os.path.isdir(os.path.join(OUT, f"crit_{which}_{i}")):
        for group in ["fit", "fit_cpu"]:
            for case in CASES:
                p = os.path.join(OUT, f"crit_{which}_{i}", group, case, "new", "estimates.json")
                if os.path.exists(p):
                    ms = json.load(open(p))["median"]["point_estimate"] / 1e6
                    found.setdefault(f"{group}/{case}", []).append(ms)
        p = os.path.join(OUT, f"power_{which}_{i}.txt")
        if os.path.exists(p):
            m = re.search(r"threads: ([0-9.]+) s", open(p).read())
            if m:
                found.setdefault("power/riclpm_1000", []).append(float(m.group(1)))
        i += 1
    return found


old, new = runs("old"), runs("new")
print("| benchmark | old, runs | old median | new, runs | new median | change |")
print("|---|---|---:|---|---:|---:|")
for key in old:
    if key not in new:
        continue
    mo, mn = statistics.median(old[key]), statistics.median(new[key])
    fmt = lambda xs: " / ".join(f"{x:.3f}" for x in xs)
    print(f"| {key} | {fmt(old[key])} | **{mo:.3f}** | {fmt(new[key])} | **{mn:.3f}** | "
          f"{100 * (mn / mo - 1):+.1f} % |")
