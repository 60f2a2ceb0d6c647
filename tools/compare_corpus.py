#!/usr/bin/env python3
"""Run `crosslag fit` on every case of the lavaan conformance corpus and compare with lavaan.

usage: tools/compare_corpus.py [--bin target/debug/crosslag] [--corpus tests/fixtures/corpus]
                               [--known FILE] [--jobs N] [--show N] [--markdown FILE]
                               [--results FILE] [ID_PREFIX ...]

Each tests/fixtures/corpus/cases/<id>.json holds one lavaan 0.6.14 fit in the schema of the
shared reference fits, plus a "corpus" object: feature, tier, tags, and what to check:

  full            parameters (est, se, z, std_lv, std_all) and fit measures within the
                  tolerances of docs CONTRACT.md; if lavaan warned (negative variances,
                  non-convergence, ...) crosslag must warn too
  nonconvergence  lavaan's plain call does not converge: crosslag must say so (exit status,
                  "converged": false or a warning), or reach the optimum recorded in the case
  unidentified    lavaan cannot invert the information matrix or df < 0: crosslag must fail
                  or warn
  error           lavaan refuses the model: crosslag must exit non-zero

Per case it prints `ok`, `FAIL <first differences>` or `ERROR <crosslag's stderr line>`, then a
summary per feature, and last a line `N passed, N failed`. Cases listed in the known-failures
file (id TAB cause TAB reason) are expected to fail; the exit status is 1 when a case fails that
is not listed there, or when a listed case passes (so that the list stays honest), else 0.
Only the Python standard library is used; R is not needed.
"""
import argparse
import concurrent.futures
import json
import math
import os
import subprocess
import sys
import tempfile

# fit measures checked (CONTRACT.md); only those lavaan reports for the case
FIT_KEYS = [
    "npar", "chisq", "df", "pvalue", "baseline.chisq", "baseline.df", "cfi", "tli", "logl",
    "unrestricted.logl", "aic", "bic", "bic2", "ntotal", "rmsea", "rmsea.ci.lower",
    "rmsea.ci.upper", "rmsea.pvalue", "srmr", "chisq.scaled", "df.scaled", "pvalue.scaled",
    "chisq.scaling.factor", "cfi.scaled", "tli.scaled", "cfi.robust", "tli.robust",
    "rmsea.scaled", "rmsea.robust",
]
UNIT_KEYS = {"pvalue", "cfi", "tli", "rmsea", "rmsea.ci.lower", "rmsea.ci.upper",
             "rmsea.pvalue", "srmr", "pvalue.scaled", "cfi.scaled", "tli.scaled", "cfi.robust",
             "tli.robust", "rmsea.scaled", "rmsea.robust"}
# parameter fields: (name, relative tolerance, floor)
PARAM_FIELDS = (("est", 1e-4, 1.0), ("std_lv", 1e-4, 1.0), ("std_all", 1e-4, 1.0),
                ("se", 1e-3, 0.01), ("z", 1e-3, 0.01))
# options passed as dedicated flags in CONTRACT.md; every other one is --name-with-hyphens VALUE
PLAIN_VALUE_FLAGS = ("estimator", "missing", "group", "cluster", "information")
SWITCHES = ("meanstructure", "int.ov.free")
LIST_OPTIONS = ("group.equal", "group.partial")


def is_missing(x):
    return x is None or (isinstance(x, float) and math.isnan(x))


def close(mine, ref, rel, floor):
    if is_missing(ref):
        return True  # lavaan has no number here: nothing to compare
    if is_missing(mine) or not isinstance(mine, (int, float)):
        return False
    return abs(mine - ref) <= rel * max(floor, abs(ref))


def write_matrix(path, names, rows):
    with open(path, "w") as f:
        f.write(",".join(names) + "\n")
        for row in rows:
            f.write(",".join(repr(float(x)) for x in row) + "\n")


def option_args(opts):
    """lavaan options (as passed in R) -> crosslag flags, values as written (CONTRACT.md)."""
    out = []
    for key, value in opts.items():
        if key in ("sample.cov", "sample.mean", "sample.nobs"):
            continue
        flag = "--" + key.replace(".", "-")
        if key in SWITCHES:
            out += [flag] if value is True else [flag, "false"]
        elif key in LIST_OPTIONS:
            out += [flag, ",".join(value if isinstance(value, list) else [value])]
        elif key in PLAIN_VALUE_FLAGS:
            out += [flag, str(value)]
        elif isinstance(value, bool):
            out += [flag, "true" if value else "false"]
        elif isinstance(value, list):
            out += [flag, ",".join(str(v) for v in value)]
        else:
            out += [flag, str(value)]
    return out


def command_for(case, case_path, binary, tmp):
    folder = os.path.dirname(os.path.abspath(case_path))
    model = os.path.join(tmp, "model.lav")
    with open(model, "w") as f:
        f.write(case["lavaan_syntax"])
    cmd = [binary, "fit", "--model", model, "--format", "json",
           "--function", case.get("lavaan_function", "sem")]
    opts = case.get("options_passed") or {}
    if isinstance(opts, list):
        opts = {}
    if "sample.cov" in opts:
        si = case["summary_input"]
        cov = os.path.join(tmp, "cov.csv")
        write_matrix(cov, si["sample.cov"]["names"], si["sample.cov"]["matrix"])
        cmd += ["--sample-cov", cov]
        if "sample.mean" in si:
            mean = os.path.join(tmp, "mean.csv")
            write_matrix(mean, si["sample.mean"]["names"], [si["sample.mean"]["values"]])
            cmd += ["--sample-mean", mean]
        cmd += ["--sample-nobs", str(si["sample.nobs"])]
    else:
        cmd += ["--data", os.path.normpath(os.path.join(folder, case["data"]))]
    return cmd + option_args(opts)


def key_of(p, ngroups):
    if p["op"] == ":=":
        return (p["lhs"], ":=", "", 1)
    return (p["lhs"], p["op"], p["rhs"], (p.get("group") or 1) if ngroups > 1 else 1)


def show_key(k):
    lhs, op, rhs, g = k
    return f"{lhs} {op} {rhs}".strip() + (f" [g{g}]" if g != 1 else "")


def fmt(x):
    return "null" if x is None else (f"{x:.6g}" if isinstance(x, (int, float)) else str(x))


def compare_numbers(case, out):
    problems = []
    ng = case.get("ngroups") or 1
    mine_rows = {}
    for p in out.get("parameters", []):
        mine_rows[key_of(p, ng)] = p
    ref_keys = set()
    swapped = []
    for ref in case["parameters"]:
        k = key_of(ref, ng)
        ref_keys.add(k)
        mine = mine_rows.get(k)
        if mine is None and k[1] == "~~":
            # same covariance written the other way round: compare it, report the naming
            k2 = (k[2], k[1], k[0], k[3])
            mine = mine_rows.get(k2)
            if mine is not None:
                ref_keys.add(k2)
                swapped.append(f"{show_key(k2)}")
        if mine is None:
            problems.append(f"missing row {show_key(k)} (lavaan est {fmt(ref.get('est'))}, "
                            f"{'free' if ref.get('free') else 'fixed'})")
            continue
        for field, rel, floor in PARAM_FIELDS:
            if field not in ref:
                continue
            if field in ("se", "z") and ref.get("free") == 0 and ref["op"] != ":=":
                continue
            if not close(mine.get(field), ref[field], rel, floor):
                problems.append(f"{show_key(k)} {field}: {fmt(mine.get(field))} vs lavaan {fmt(ref[field])}")
    if swapped:
        problems.append(f"{len(swapped)} covariance rows named the other way round than lavaan's: " +
                        ", ".join(swapped[:3]) + (" ..." if len(swapped) > 3 else ""))
    extra = [k for k in mine_rows if k not in ref_keys and k[1] not in ("==", "<", ">")]
    if extra:
        problems.append(f"{len(extra)} rows lavaan does not have: " +
                        ", ".join(show_key(k) for k in extra[:4]) + (" ..." if len(extra) > 4 else ""))
    fit = out.get("fit", {}) or {}
    for name in FIT_KEYS:
        ref = case.get("fit", {}).get(name)
        if is_missing(ref):
            continue
        mine = fit.get(name)
        if name in UNIT_KEYS:
            ok = not is_missing(mine) and abs(mine - ref) <= 1e-4
        else:
            ok = close(mine, ref, 1e-4, 1.0)
        if not ok:
            problems.append(f"fit {name}: {fmt(mine)} vs lavaan {fmt(ref)}")
    # numeric problems first in the order that explains most: model shape, then estimates
    problems.sort(key=lambda s: (0 if s.startswith(("fit npar", "fit df", "missing row", "rows lavaan")) or
                                 "rows lavaan does not have" in s else 1))
    return problems


def says_trouble(out):
    return out.get("converged") is False or bool(out.get("warnings"))


def run_one(path, binary):
    case = json.load(open(path))
    meta = case.get("corpus", {})
    check = meta.get("check", "full")
    with tempfile.TemporaryDirectory() as tmp:
        cmd = command_for(case, path, binary, tmp)
        try:
            run = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        except subprocess.TimeoutExpired:
            return case, "ERROR", ["timeout after 300 s"], cmd
    if run.returncode != 0:
        lines = [l for l in run.stderr.strip().splitlines() if l.strip()]
        line = lines[-1] if lines else f"exit status {run.returncode}"
        for l in lines:  # clap puts the useful sentence first
            if l.lower().startswith("error"):
                line = l
                break
        if check in ("error", "nonconvergence", "unidentified"):
            return case, "ok", [], cmd
        return case, "ERROR", [line.strip()[:300]], cmd
    try:
        out = json.loads(run.stdout)
    except ValueError as e:
        return case, "ERROR", [f"output is not JSON: {e}"], cmd
    if check == "error":
        return case, "FAIL", ["lavaan refuses this model (" + case.get("lavaan_error", "").strip()[:120] +
                              "); crosslag fits it without an error"], cmd
    if check == "unidentified":
        if says_trouble(out):
            return case, "ok", [], cmd
        return case, "FAIL", ["lavaan: not identified (" + "; ".join(case.get("warnings", []))[:120] +
                              "); crosslag reports a fit without any warning"], cmd
    problems = compare_numbers(case, out)
    if check == "nonconvergence":
        if says_trouble(out) or not problems:
            return case, "ok", [], cmd
        return case, "FAIL", ["lavaan does not converge (" + "; ".join(case.get("warnings", []))[:100] +
                              "); crosslag reports convergence without warning, at a different point: " +
                              problems[0]], cmd
    if meta.get("expect_warning") and not out.get("warnings"):
        problems.append("lavaan warns (" + "; ".join(case.get("warnings_postfit") or case.get("warnings") or [])[:120] +
                        "); crosslag gives no warning")
    return case, ("FAIL" if problems else "ok"), problems, cmd


def read_known(path):
    known = {}
    if path and os.path.exists(path):
        for line in open(path):
            if not line.strip() or line.startswith("#"):
                continue
            parts = line.rstrip("\n").split("\t")
            if parts[0] == "id":
                continue
            known[parts[0]] = parts[1:] if len(parts) > 1 else [""]
    return known


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    repo = os.path.dirname(here)
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default=os.path.join(repo, "target", "debug", "crosslag"))
    ap.add_argument("--corpus", default=os.path.join(repo, "tests", "fixtures", "corpus"))
    ap.add_argument("--known", default=None, help="expected failures (default: CORPUS/known_failures.tsv)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--show", type=int, default=3, help="differences shown per failing case")
    ap.add_argument("--markdown", help="write a per-tag pass/fail table (Markdown) to this file")
    ap.add_argument("--results", help="write every case's status and differences (JSON) to this file")
    ap.add_argument("--print-command", action="store_true", help="print the crosslag command of each case")
    ap.add_argument("prefixes", nargs="*", help="only cases whose id starts with one of these")
    args = ap.parse_args()
    known = read_known(args.known or os.path.join(args.corpus, "known_failures.tsv"))
    case_dir = os.path.join(args.corpus, "cases")
    paths = sorted(os.path.join(case_dir, f) for f in os.listdir(case_dir) if f.endswith(".json"))
    if args.prefixes:
        paths = [p for p in paths if any(os.path.basename(p).startswith(x) for x in args.prefixes)]
    if not os.path.exists(args.bin):
        sys.exit(f"no crosslag binary at {args.bin} (cargo build -p crosslag-cli)")
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        results = list(pool.map(lambda p: run_one(p, args.bin), paths))
    passed = failed = 0
    unexpected, fixed = [], []
    by_feature, by_tag, records = {}, {}, []
    for case, status, problems, cmd in results:
        meta = case.get("corpus", {})
        cid = meta.get("id", case.get("name"))
        ok = status == "ok"
        passed += ok
        failed += not ok
        note = ""
        if not ok and cid not in known:
            unexpected.append(cid)
            note = "  [not in known failures]"
        if ok and cid in known:
            fixed.append(cid)
            note = "  [listed as known failure: now passes]"
        if ok:
            print(f"ok    {cid}{note}")
        else:
            print(f"{status:<5} {cid}: {problems[0] if problems else ''}{note}")
            for p in problems[1:args.show]:
                print(f"        {p}")
            if len(problems) > args.show:
                print(f"        ... {len(problems) - args.show} more")
        if args.print_command:
            print("        $ " + " ".join(cmd))
        f = by_feature.setdefault(meta.get("feature", "?"), [0, 0])
        f[0 if ok else 1] += 1
        for tag in meta.get("tags", []):
            t = by_tag.setdefault(tag, [0, 0, []])
            t[0 if ok else 1] += 1
            if not ok:
                t[2].append(cid)
        records.append({"id": cid, "feature": meta.get("feature"), "tier": meta.get("tier"),
                        "check": meta.get("check"), "status": status, "problems": problems,
                        "known": known.get(cid), "command": cmd})
    print()
    print("per feature (passed/cases):")
    for feat in sorted(by_feature):
        p, fl = by_feature[feat]
        print(f"  {feat:<16} {p:>3}/{p + fl:<3}")
    if unexpected:
        print(f"unexpected failures ({len(unexpected)}): " + " ".join(unexpected))
    if fixed:
        print(f"listed in known failures but passing ({len(fixed)}): " + " ".join(fixed))
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write("| feature (tag) | cases | pass | fail | failing cases |\n|---|---|---|---|---|\n")
            for tag in sorted(by_tag):
                p, fl, ids = by_tag[tag]
                f.write(f"| `{tag}` | {p + fl} | {p} | {fl} | {', '.join(ids)} |\n")
    if args.results:
        with open(args.results, "w") as f:
            json.dump(records, f, indent=1)
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if unexpected or fixed else 0)


if __name__ == "__main__":
    main()
