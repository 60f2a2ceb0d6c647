#!/usr/bin/env bash
# Monte Carlo power and the bootstrap: crosslag vs lavaan, in one session on one machine.
#
#   bench/power.sh                   # everything (the lavaan power run takes 10-20 min)
#   REPS=200 bench/power.sh          # lavaan power on 200 replications only; its time is
#                                    # extrapolated linearly to 1000 (crosslag always runs 1000)
#   REUSE_LAVAAN=1 bench/power.sh    # reuse target/bench-results/lavaan_*.json of an earlier run
#   RUNS=10 bench/power.sh           # hyperfine runs per crosslag command (default 5)
#
# 1. builds crosslag (release) and writes the RI-CLPM with `crosslag syntax` and the
#    population model of population_A.json (close, lang; the ses_low = 0 within process in
#    the observed metric, full precision, as tests/power.rs) to target/bench-results/;
# 2. `crosslag power`, N = 500, 1000 replications, seed 20240601, RAYON_NUM_THREADS=2:
#    hyperfine (wall clock) and /usr/bin/time -v (user + system CPU);
# 3. `crosslag bootstrap` of case10 with 2000 replications: as is (percentile + BCa with its
#    jackknife + Bollen-Stine) and with --no-bca --no-bollen-stine (the work of lavaan's
#    se = "bootstrap");
# 4. bench/power_lavaan.R (the same design with lavaan, from the population values and from
#    lavaan's default starting values) and bench/boot_lavaan.R (se = "bootstrap",
#    bootstrap = 2000), OpenBLAS single-threaded, nice;
# 5. a table: times and ratios; power and coverage of both sides with the Monte Carlo bound
#    of their difference, 2 sqrt(p (1 - p) 2 / R) (p = the mean of the two).
#
# Results land in target/bench-results/. The machine is shared: the load average is printed
# with every timing; quote it with the numbers.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
ref="${CROSSLAG_REFERENCE:-$root/tests/fixtures/lavaan}"
ref="$(cd "$ref" && pwd)"
out="$root/target/bench-results"
mkdir -p "$out"
runs="${RUNS:-5}"
seed=20240601
n=500
cores="$(nproc --all)"   # before OMP_NUM_THREADS is set: nproc honours it
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 RAYON_NUM_THREADS=2
load() { cut -d' ' -f1-3 /proc/loadavg; }

echo "== machine: $cores cores; load: $(load)"
cargo build --release -p crosslag-cli
bin="$root/target/release/crosslag"

# ---- models ------------------------------------------------------------------------------
"$bin" syntax --family riclpm --x close --y lang --waves 4 >"$out/riclpm_close_lang.lav"
python3 - "$ref/population_A.json" >"$out/riclpm_close_lang_population.lav" <<'EOF'
import json, sys
j = json.load(open(sys.argv[1]))
cons = j["constructs"]
c, l = cons.index("close"), cons.index("lang")
s = j["scale_s"]["values"]
m = lambda k, a, b: j[k]["values"][a][b]
phi = j["RI_residual_var"]["values"]
o = ["RI_close =~ 1*close_1 + 1*close_2 + 1*close_3 + 1*close_4",
     "RI_lang =~ 1*lang_1 + 1*lang_2 + 1*lang_3 + 1*lang_4"]
for t in range(1, 5):
    o += [f"w_close_{t} =~ 1*close_{t}", f"w_lang_{t} =~ 1*lang_{t}",
          f"close_{t} ~~ 0*close_{t}", f"lang_{t} ~~ 0*lang_{t}",
          f"close_{t} ~ {m('wave_means_mu', c, t - 1)!r}*1", f"lang_{t} ~ {m('wave_means_mu', l, t - 1)!r}*1"]
B, P, S1 = "B_raw_group_ses0", "Psi_group_ses0", "Sigma_stat_group_ses0"
for t in range(2, 5):
    u = t - 1
    o += [f"w_close_{t} ~ {m(B, c, c)!r}*w_close_{u} + {m(B, c, l)!r}*w_lang_{u}",
          f"w_lang_{t} ~ {m(B, l, c)!r}*w_close_{u} + {m(B, l, l)!r}*w_lang_{u}",
          f"w_close_{t} ~~ {m(P, c, c) * s[c] * s[c]!r}*w_close_{t} + {m(P, c, l) * s[c] * s[l]!r}*w_lang_{t}",
          f"w_lang_{t} ~~ {m(P, l, l) * s[l] * s[l]!r}*w_lang_{t}"]
o += [f"w_close_1 ~~ {m(S1, c, c) * s[c] * s[c]!r}*w_close_1 + {m(S1, c, l) * s[c] * s[l]!r}*w_lang_1",
      f"w_lang_1 ~~ {m(S1, l, l) * s[l] * s[l]!r}*w_lang_1",
      f"RI_close ~~ {phi[c] * s[c] * s[c]!r}*RI_close + {m('RI_residual_cor', c, l) * (phi[c] * phi[l]) ** 0.5 * s[c] * s[l]!r}*RI_lang",
      f"RI_lang ~~ {phi[l] * s[l] * s[l]!r}*RI_lang"]
print("\n".join(o))
EOF
python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["lavaan_syntax"])' \
  "$ref/case10_mediation_indirect.json" >"$out/case10.lav"

# ---- crosslag ----------------------------------------------------------------------------
power_cmd="$bin power --population $out/riclpm_close_lang_population.lav --model $out/riclpm_close_lang.lav --function lavaan --meanstructure --int-ov-free --n $n --reps 1000 --seed $seed --format json"
boot_cmd="$bin bootstrap --data $ref/panel_A_complete.csv --model $out/case10.lav --reps 2000 --seed 1 --format json"
echo "== crosslag power (N = $n, 1000 replications, RAYON_NUM_THREADS=2); load: $(load)"
$power_cmd -o "$out/crosslag_power_A.json"
/usr/bin/time -v -o "$out/time-power.txt" $power_cmd -o "$out/crosslag_power_A.json"
hyperfine --warmup 1 --runs "$runs" --export-json "$out/hyperfine-power.json" -n power "$power_cmd -o /dev/null"
echo "load after: $(load)" | tee "$out/load-crosslag-power.txt"
echo "== crosslag bootstrap case10 (2000 replications); load: $(load)"
$boot_cmd -o "$out/crosslag_boot_case10.json"
/usr/bin/time -v -o "$out/time-boot.txt" $boot_cmd -o "$out/crosslag_boot_case10.json"
$boot_cmd --no-bca --no-bollen-stine -o "$out/crosslag_boot_case10_lean.json"
/usr/bin/time -v -o "$out/time-boot-lean.txt" $boot_cmd --no-bca --no-bollen-stine -o "$out/crosslag_boot_case10_lean.json"
hyperfine --warmup 1 --runs "$runs" --export-json "$out/hyperfine-boot.json" \
  -n "bootstrap" "$boot_cmd -o /dev/null" \
  -n "bootstrap --no-bca --no-bollen-stine" "$boot_cmd --no-bca --no-bollen-stine -o /dev/null"
echo "load after: $(load)" | tee "$out/load-crosslag-boot.txt"

# ---- lavaan ------------------------------------------------------------------------------
if [ -z "${REUSE_LAVAAN:-}" ] || [ ! -e "$out/lavaan_power_A.json" ]; then
  echo "== lavaan power (${REPS:-1000} replications, two starts; this takes a while); load: $(load)"
  nice -n 5 Rscript bench/power_lavaan.R "${REPS:-1000}" "$n" "$seed" "$out/lavaan_power_A.json" \
    "$out/riclpm_close_lang.lav" "$ref/population_A.json"
fi
if [ -z "${REUSE_LAVAAN:-}" ] || [ ! -e "$out/lavaan_boot_case10.json" ]; then
  echo "== lavaan bootstrap case10 (2000 replications); load: $(load)"
  nice -n 5 Rscript bench/boot_lavaan.R "$ref" 2000 1 "$out/lavaan_boot_case10.json"
fi

# ---- table -------------------------------------------------------------------------------
echo "== summary; load now: $(load)"
python3 - "$out" <<'EOF'
import json, math, os, re, sys
out = sys.argv[1]
J = lambda f: json.load(open(os.path.join(out, f)))

def gnu_time(f):
    t = open(os.path.join(out, f)).read()
    g = lambda k: float(re.search(re.escape(k) + r": ([\d.]+)", t).group(1))
    return g("User time (seconds)") + g("System time (seconds)")

hf = {r["command"]: r for r in J("hyperfine-power.json")["results"]}
hb = {r["command"]: r for r in J("hyperfine-boot.json")["results"]}
cp, lp = J("crosslag_power_A.json"), J("lavaan_power_A.json")
cb, cbl, lb = J("crosslag_boot_case10.json"), J("crosslag_boot_case10_lean.json"), J("lavaan_boot_case10.json")

print("-- time (crosslag: hyperfine median wall clock, CPU = user + system of one run)")
c_wall, c_cpu = hf["power"]["median"], gnu_time("time-power.txt")
lt = lp["timing"]
ext = " (extrapolated from %d replications)" % lp["reps"] if lt["extrapolated"] else ""
print(f"{'':46} {'wall s':>9} {'CPU s':>9} {'ratio wall':>11} {'ratio CPU':>10}")
print(f"{'crosslag power, 1000 replications':46} {c_wall:9.3f} {c_cpu:9.3f}")
for v, x in lp["variants"].items():
    w, c = x["timing"]["elapsed_1000_s"], x["timing"]["cpu_1000_s"]
    print(f"{'lavaan, 1000 replications, ' + v + ' start':46} {w:9.1f} {c:9.1f} {w / c_wall:10.0f}x {c / c_cpu:9.0f}x{ext}")
print(f"   (lavaan load average: start {lt['loadavg_start']}, end {lt['loadavg_end']})")
b_wall, b_cpu = hb["bootstrap"]["median"], gnu_time("time-boot.txt")
bl_wall, bl_cpu = hb["bootstrap --no-bca --no-bollen-stine"]["median"], gnu_time("time-boot-lean.txt")
lw, lc = lb["timing"]["elapsed_s"], lb["timing"]["cpu_s"]
print(f"{'crosslag bootstrap case10 (perc+BCa+B-S)':46} {b_wall:9.3f} {b_cpu:9.3f} {lw / b_wall:10.0f}x {lc / b_cpu:9.0f}x")
print(f"{'crosslag bootstrap --no-bca --no-bollen-stine':46} {bl_wall:9.3f} {bl_cpu:9.3f} {lw / bl_wall:10.0f}x {lc / bl_cpu:9.0f}x")
lab = 'lavaan se = "bootstrap", 2000'
print(f"{lab:46} {lw:9.1f} {lc:9.1f}")

s = cp["summary"]["by_n"][0]
cpar = {p["name"]: p for p in s["parameters"]}
print(f"\n-- power and coverage, N = {s['n']}: crosslag {s['converged']}/{s['reps']} converged;",
      ", ".join(f"lavaan ({v} start) {x['converged']}/{x['reps']} converged, {x['used']} with SEs"
                for v, x in lp["variants"].items()))
bound = lambda p, r1, r2: 2 * math.sqrt(max(p * (1 - p), 1e-12) * (1 / r1 + 1 / r2))
for v, x in lp["variants"].items():
    print(f"lavaan start: {v}")
    print(f"{'parameter':22} {'true':>9} {'power cl':>9} {'lavaan':>7} {'|diff|':>7} {'2 MCSE':>7}  {'cover cl':>8} {'lavaan':>7} {'|diff|':>7} {'2 MCSE':>7}")
    for g, names in lp["of_interest"].items():
        for name in names:
            a, b = cpar[name], x["parameters"][name]
            r1, r2 = a["used"], b["used"]
            pb = bound((a["power"] + b["power"]) / 2, r1, r2)
            cbd = bound((a["coverage"] + b["coverage"]) / 2, r1, r2)
            dp, dc = abs(a["power"] - b["power"]), abs(a["coverage"] - b["coverage"])
            print(f"{name:22} {a['true_value']:9.4f} {a['power']:9.3f} {b['power']:7.3f} {dp:7.3f} {pb:7.3f}{'' if dp <= pb else '!'} "
                  f"{a['coverage']:8.3f} {b['coverage']:7.3f} {dc:7.3f} {cbd:7.3f}{'' if dc <= cbd else '!'}")
print("('!' = outside 2 Monte Carlo SEs of the difference, 2 sqrt(p(1-p)(1/R1 + 1/R2)))")

ci = lb["parameters"]["ind"]
print(f"\n-- bootstrap of ind := a*b (case10, 2000 replications; MC SE of a bootstrap SE ~ SE/sqrt(2B) = {ci['boot_se'] / math.sqrt(2 * 2000):.4f})")
print(f"   lavaan    est {ci['est']:.4f}  boot SE {ci['boot_se']:.4f}  percentile [{ci['perc_lower']:.4f}, {ci['perc_upper']:.4f}]  delta SE {ci['delta_se']:.4f}")
for label, doc in (("crosslag", cb), ("crosslag lean", cbl)):
    p = next(q for q in doc["summary"]["parameters"] if q["name"] == "ind")
    bca = f"  BCa [{p['bca'][0]:.4f}, {p['bca'][1]:.4f}]" if p.get("bca") else ""
    print(f"   {label:9} est {p['est']:.4f}  boot SE {p['boot_se']:.4f}  percentile [{p['percentile'][0]:.4f}, {p['percentile'][1]:.4f}]  delta SE {p['se']:.4f}{bca}")
EOF
