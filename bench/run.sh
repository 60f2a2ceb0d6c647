#!/usr/bin/env bash
# crosslag vs lavaan on the same fits, in one session on one machine.
#
#   bench/run.sh                 # everything
#   RUNS=25 bench/run.sh         # lavaan repetitions per variant (default 25, at least 20)
#   SKIP_LAPACK=1 bench/run.sh   # without the --features lapack criterion run
#   SKIP_HYPERFINE=1 bench/run.sh
#
# 1. installs R and lavaan from Debian when Rscript is missing (and hyperfine,
#    libopenblas-dev when missing);
# 2. bench/lavaan.R: median of RUNS lavaan fits per case (OpenBLAS single-threaded);
# 3. the criterion benchmark benches/fit.rs (release), pure Rust and --features lapack;
# 4. hyperfine: `crosslag fit` on case02 end to end vs `Rscript` doing the same fit;
# 5. a table of medians and ratios.
#
# Results land in target/bench-results/. The machine is shared: say how busy it was
# (the load average is printed) when quoting the numbers.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
ref="${CROSSLAG_REFERENCE:-$root/tests/fixtures/lavaan}"
ref="$(cd "$ref" && pwd)"
export CROSSLAG_REFERENCE="$ref"
runs="${RUNS:-25}"
out="$root/target/bench-results"
mkdir -p "$out"
# one BLAS thread for R (crosslag's fit is single-threaded too)
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1

apt_install() {
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@"
  else
    echo "please install: $*" >&2
    return 1
  fi
}
if ! command -v Rscript >/dev/null; then
  apt_install r-base-core r-cran-lavaan r-cran-jsonlite
fi
if ! Rscript -e 'quit(status = !requireNamespace("jsonlite", quietly = TRUE))' >/dev/null 2>&1; then
  apt_install r-cran-jsonlite
fi
if [ -z "${SKIP_HYPERFINE:-}" ] && ! command -v hyperfine >/dev/null; then
  apt_install hyperfine || true
fi
if [ -z "${SKIP_LAPACK:-}" ] && ! [ -e /usr/lib/x86_64-linux-gnu/libopenblas.so ] && ! pkg-config --exists openblas 2>/dev/null; then
  apt_install libopenblas-dev libssl-dev pkg-config || true
fi

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); load: $(cut -d' ' -f1-3 /proc/loadavg)"

echo "== lavaan ($runs runs per variant)"
Rscript bench/lavaan.R "$ref" "$runs" "$out/lavaan.tsv"

echo "== crosslag: criterion, pure Rust"
cargo bench --bench fit -- --noplot 2>&1 | tee "$out/criterion-rust.txt"
if [ -z "${SKIP_LAPACK:-}" ]; then
  echo "== crosslag: criterion, --features crosslag-sem/lapack"
  cargo bench --bench fit --features crosslag-sem/lapack -- --noplot 2>&1 | tee "$out/criterion-lapack.txt"
fi

if [ -z "${SKIP_HYPERFINE:-}" ] && command -v hyperfine >/dev/null; then
  echo "== end to end: crosslag fit vs Rscript (case02)"
  cargo build --release -p crosslag-cli
  bin="$root/target/release/crosslag"
  tmp="$(mktemp -d)"
  python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["lavaan_syntax"])' \
    "$ref/case02_riclpm_ml.json" >"$tmp/case02.lav"
  cat >"$tmp/case02.R" <<EOF
suppressPackageStartupMessages(library(lavaan))
d <- read.csv("$ref/panel_A_complete.csv")
m <- paste(readLines("$tmp/case02.lav"), collapse = "\n")
fit <- lavaan(m, data = d, meanstructure = TRUE, int.ov.free = TRUE)
pe <- parameterEstimates(fit, standardized = TRUE)
fm <- fitMeasures(fit)
EOF
  hyperfine --warmup 2 --runs 20 --export-json "$out/hyperfine-case02.json" \
    -n crosslag "$bin fit --data $ref/panel_A_complete.csv --model $tmp/case02.lav --function lavaan --meanstructure --int-ov-free --format json" \
    -n "Rscript lavaan()" "Rscript $tmp/case02.R" \
    -n "Rscript startup + library(lavaan)" "Rscript -e 'suppressPackageStartupMessages(library(lavaan))'"
  rm -rf "$tmp"
fi

echo "== summary (median per fit; load now: $(cut -d' ' -f1-3 /proc/loadavg))"
python3 - "$out" <<'EOF'
import csv, json, os, re, sys
out = sys.argv[1]
unit = {"ns": 1e-6, "µs": 1e-3, "us": 1e-3, "ms": 1.0, "s": 1e3}

def criterion(path, group="fit"):
    """benchmark id -> median ms (the middle value of criterion's `time: [lo mid hi]`)."""
    res, name = {}, None
    if not os.path.exists(path):
        return res
    for line in open(path):
        m = re.match(r"^(fit|fit_cpu)/(\S+)", line)
        if m:
            name = m.group(2) if m.group(1) == group else None
        m = re.search(r"time:\s+\[\S+ \S+ (\S+) (\S+) \S+ \S+\]", line)
        if m and name:
            res[name] = float(m.group(1)) * unit[m.group(2)]
            name = None
    return res

rust = criterion(os.path.join(out, "criterion-rust.txt"))
lapack = criterion(os.path.join(out, "criterion-lapack.txt"))
rust_cpu = criterion(os.path.join(out, "criterion-rust.txt"), "fit_cpu")
lapack_cpu = criterion(os.path.join(out, "criterion-lapack.txt"), "fit_cpu")
lav = {}
for row in csv.DictReader(open(os.path.join(out, "lavaan.tsv")), delimiter="\t"):
    lav[(row["case"], row["variant"])] = (1e3 * float(row["median_s"]), 1e3 * float(row["cpu_median_s"]))
ids = {
    "case02_riclpm": "case02_riclpm_ml",
    "case14_political_democracy": "case14_political_democracy_sem",
    "case04a_riclpm_fiml": "case04a_riclpm_fiml_ml",
    "case07a_riclpm_multigroup": "case07a_riclpm_multigroup_configural",
}
f = lambda v: f"{v:10.3f}" if v is not None else f"{'-':>10}"
for title, r_of, l_of, k in (("wall-clock", rust, lapack, 0), ("CPU time", rust_cpu, lapack_cpu, 1)):
    print(f"-- {title} (ms, median per fit)")
    print(f"{'case':30} {'crosslag':>10} {'+lapack':>10} {'lavaan call':>12} {'lavaan full':>12} {'ratio call':>10} {'ratio full':>10}")
    for bid, case in ids.items():
        r = r_of.get(bid)
        call = lav.get((case, "call"))
        full = lav.get((case, "full"))
        ratio = lambda a, b: f"{b[k] / a:9.0f}x" if a and b else f"{'-':>10}"
        print(f"{bid:30} {f(r)} {f(l_of.get(bid))} {f(call[k] if call else None):>12} {f(full[k] if full else None):>12} {ratio(r, call)} {ratio(r, full)}")
print("('full' = the lavaan call + parameterEstimates(standardized = TRUE) + fitMeasures())")
hf = os.path.join(out, "hyperfine-case02.json")
if os.path.exists(hf):
    for r in json.load(open(hf))["results"]:
        print(f"end to end {r['command']:40} median {1e3 * r['median']:9.1f} ms")
EOF
