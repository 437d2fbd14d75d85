#!/bin/sh
# run.sh TARGET [SECONDS]: build one fuzz target with libFuzzer's coverage instrumentation on
# the stable toolchain (no cargo-fuzz or nightly needed) and fuzz it for SECONDS (default 30),
# starting from the committed seeds in corpus/TARGET. A crash keeps its input in
# artifacts/TARGET/ and makes the script fail; add such inputs to corpus/TARGET as regressions.
set -eu
target=${1:?usage: run.sh TARGET [SECONDS]}
seconds=${2:-30}
here=$(cd -P -- "$(dirname -- "$0")" && pwd -P)
cd "$here"
RUSTFLAGS="--cfg fuzzing -Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 -Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table -Cllvm-args=-sanitizer-coverage-trace-compares -Cdebug-assertions -Coverflow-checks"
export RUSTFLAGS
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$here/../target}/fuzz"
# An explicit --target keeps RUSTFLAGS off build scripts (which must not be instrumented).
host=$(rustc -vV | sed -n 's/^host: //p')
cargo build --release --locked --quiet --target "$host" --bin "$target"
# New inputs go to a throw-away corpus; TMPDIR points the targets' scratch files (apply_patch
# builds a tree per input) into the same place, so nothing is left behind, even after a crash.
work=$(mktemp -d "${TMPDIR:-/tmp}/fuzz-$target.XXXXXX")
trap 'chmod -R u+rwx -- "$work" 2>/dev/null; rm -rf -- "$work"' EXIT
mkdir -p "$work/corpus" "$work/tmp" "corpus/$target" "artifacts/$target"
TMPDIR="$work/tmp" "$CARGO_TARGET_DIR/$host/release/$target" "$work/corpus" "corpus/$target" \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="artifacts/$target/"
