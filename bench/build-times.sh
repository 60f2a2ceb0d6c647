#!/usr/bin/env bash
# Clean build times of the workspace, in target directories of their own (the shared
# target/ and its incremental state are not touched).
#
#   bench/build-times.sh [OUT]      # OUT default target/bench-results/build-times.txt
#   RELEASE_DEP_OPT=3 bench/build-times.sh   # also a release build with opt-level 3 for
#                                            # every dependency (instead of the root
#                                            # Cargo.toml's [profile.release.package."*"] 2)
#
# Steps (each from a clean directory unless said otherwise):
#   1. cargo build --workspace                    (debug)
#   2. cargo test --workspace --no-run            (on top of 1: what tests add)
#   3. cargo test --workspace --no-run            (clean)
#   4. cargo build --workspace --release
#   5. (RELEASE_DEP_OPT) cargo build --workspace --release, deps at that opt-level
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
out="${1:-$root/target/bench-results/build-times.txt}"
mkdir -p "$(dirname "$out")"
base="${BUILD_TIMES_DIR:-/tmp/cl-clean}"

step() { # name, target dir, clean?, command...
  local name="$1" dir="$2" clean="$3"
  shift 3
  [ "$clean" = clean ] && rm -rf "$dir"
  local load0 t0 t1
  load0="$(cut -d' ' -f1-3 /proc/loadavg)"
  t0="$(date +%s.%N)"
  CARGO_TARGET_DIR="$dir" "$@" >"$dir.log" 2>&1 || { echo "$name: FAILED (see $dir.log)" | tee -a "$out"; return 0; }
  t1="$(date +%s.%N)"
  printf '%-55s %8.1f s   (load before: %s, after: %s)\n' "$name" "$(echo "$t1 - $t0" | bc)" \
    "$load0" "$(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out"
}

{
  echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(cargo --version)"
  echo "# commit $(git rev-parse --short HEAD) (+ uncommitted work of the checkout)"
} | tee -a "$out"
step "cargo build --workspace (debug, clean)" "$base-debug" clean cargo build --workspace
step "cargo test --workspace --no-run (after the debug build)" "$base-debug" keep cargo test --workspace --no-run
step "cargo test --workspace --no-run (clean)" "$base-test" clean cargo test --workspace --no-run
step "cargo build --workspace --release (clean)" "$base-release" clean cargo build --workspace --release
if [ -n "${RELEASE_DEP_OPT:-}" ]; then
  step "cargo build --workspace --release, deps opt-level $RELEASE_DEP_OPT (clean)" "$base-release-o$RELEASE_DEP_OPT" clean \
    cargo build --workspace --release --config "profile.release.package.\"*\".opt-level=$RELEASE_DEP_OPT"
fi
