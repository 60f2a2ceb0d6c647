#!/usr/bin/env bash
# Before/after timings of two builds of the engine, alternating, ROUNDS rounds each:
# the criterion benchmark of benches/fit.rs and crosslag-sem's 1000-replication power run.
#
#   bench/before_after.sh OLD_FIT OLD_SEM NEW_FIT NEW_SEM [OUT]
#
# OLD_FIT/NEW_FIT: `cargo test --bench fit --no-run` binaries (target/debug/deps/fit-<hash>);
# OLD_SEM/NEW_SEM: `cargo test -p crosslag-sem --lib --no-run` binaries (crosslag_sem-<hash>).
# Results in OUT (default target/bench-results/before-after): criterion's estimates per run
# (crit_<old|new>_<round>), the power runs' output, and a log with `uptime` before each run.
# `python3 bench/before_after.py OUT` prints the table of docs/performance.md.
set -u
OLD_FIT=$1; OLD_SEM=$2; NEW_FIT=$3; NEW_SEM=$4
OUT=${5:-target/bench-results/before-after}
ROUNDS=${ROUNDS:-3}
mkdir -p "$OUT"
for i in $(seq 1 "$ROUNDS"); do
  for which in old new; do
    if [ "$which" = old ]; then FIT=$OLD_FIT; SEM=$OLD_SEM; else FIT=$NEW_FIT; SEM=$NEW_SEM; fi
    echo "$which $i fit start $(date -u +%H:%M:%S) $(uptime | sed 's/.*load average/load/')" >> "$OUT/log"
    rm -rf "$OUT/crit_${which}_$i"
    CRITERION_HOME="$OUT/crit_${which}_$i" "$FIT" --bench > "$OUT/fit_${which}_$i.txt" 2>&1
    echo "$which $i power start $(date -u +%H:%M:%S) $(uptime | sed 's/.*load average/load/')" >> "$OUT/log"
    "$SEM" --ignored bench_riclpm_power_1000 --nocapture > "$OUT/power_${which}_$i.txt" 2>&1
    echo "$which $i end $(date -u +%H:%M:%S) $(uptime | sed 's/.*load average/load/')" >> "$OUT/log"
  done
done
