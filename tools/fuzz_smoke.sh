#!/usr/bin/env bash
# Build each cargo-fuzz target and run it for a short, bounded time (default 30 s each).
#
#   tools/fuzz_smoke.sh                # all targets, 30 s each
#   FUZZ_SECONDS=60 tools/fuzz_smoke.sh syntax_parser expr_eval
#
# Needs a nightly toolchain (`rustup toolchain install nightly`) and cargo-fuzz
# (`cargo install cargo-fuzz`); installs cargo-fuzz when it is missing. The seeds are in
# fuzz/seeds/<target>; new corpus entries go to fuzz/corpus/<target> (not committed); a crash is
# saved under fuzz/artifacts/<target>/ and makes the script fail. The csv_loader target needs
# the data crate and so polars: its first build is long (it is built without a sanitizer).
set -euo pipefail

cd "$(dirname "$0")/../fuzz"
seconds="${FUZZ_SECONDS:-30}"
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(syntax_parser expr_eval csv_loader)
fi

if ! command -v cargo-fuzz >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi

status=0
for target in "${targets[@]}"; do
    features=()
    if [ "$target" = csv_loader ]; then
        # polars under AddressSanitizer takes very long to build: coverage only
        features=(--features data -s none)
    fi
    mkdir -p "corpus/$target"
    echo "== $target: build"
    cargo +nightly fuzz build -O "${features[@]}" "$target"
    echo "== $target: run ${seconds}s"
    if ! cargo +nightly fuzz run -O "${features[@]}" "$target" "corpus/$target" "seeds/$target" -- \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1; then
        echo "== $target: FAILED (see fuzz/artifacts/$target/)"
        status=1
    fi
done
exit $status
