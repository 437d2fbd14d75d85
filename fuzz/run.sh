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
cargo build --release --quiet --target "$host" --bin "$target"
work=$(mktemp -d "${TMPDIR:-/tmp}/fuzz-$target.XXXXXX")
trap 'rm -rf -- "$work"' EXIT
mkdir -p "corpus/$target" "artifacts/$target"
"$CARGO_TARGET_DIR/$host/release/$target" "$work" "corpus/$target" \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="artifacts/$target/"
