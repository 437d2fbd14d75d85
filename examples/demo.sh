#!/bin/sh
# demo.sh: the checkpoint build, shown on examples/hello-c (run by `make demo`).
#
# Takes a checkpoint of a build of hello-c in a scratch directory, changes the
# sources (a new greeting in src/greet.c, a new version number that changes a
# generated header), rebuilds incrementally from the checkpoint with
# checkpoint-build, and compares with a clean build of the same sources: which
# objects were recompiled, the program's new output, and both build times.
#
# The tools come from $CHECKPOINT_TOOLS_DIR (relative to the current directory,
# or absolute), by default the release build of this workspace
# (${CARGO_TARGET_DIR:-target}/release); `make demo` points it at the debug
# build that `make test` left, and builds that first.
set -eu

# Run from `make demo`, the outer make's settings would leak into hello-c's.
unset MAKEFLAGS MFLAGS MAKELEVEL

repo=$(cd -P -- "$(dirname -- "$0")/.." && pwd -P)
CHECKPOINT_TOOLS_DIR=${CHECKPOINT_TOOLS_DIR:-${CARGO_TARGET_DIR:-$repo/target}/release}
# The demo works in a scratch directory: a relative directory is made absolute first.
case $CHECKPOINT_TOOLS_DIR in
    /*) ;;
    *) CHECKPOINT_TOOLS_DIR=$PWD/$CHECKPOINT_TOOLS_DIR ;;
esac
export CHECKPOINT_TOOLS_DIR
for tool in snap treediff treesync applypatch; do
    if [ ! -x "$CHECKPOINT_TOOLS_DIR/$tool" ]; then
        echo "demo: $CHECKPOINT_TOOLS_DIR/$tool not found: run 'cargo build --release' (or 'make demo')" >&2
        exit 1
    fi
done
prepare=$repo/checkpoint/prepare-checkpoint-build
rebuild=$repo/checkpoint/checkpoint-build

scratch=$(mktemp -d "${TMPDIR:-/tmp}/checkpoint-demo.XXXXXX")
trap 'rm -rf -- "$scratch"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# fresh DIR: a copy of hello-c's sources (without any build outputs) in DIR.
fresh() {
    cp -R -- "$repo/examples/hello-c" "$1"
    make -s -C "$1" clean >/dev/null
}

# change_set DIR: the demo's source changes, applied to the tree in DIR.
change_set() {
    sed 's/", world"/", checkpoint build"/' "$1/src/greet.c" >"$1/src/greet.c.new"
    mv -- "$1/src/greet.c.new" "$1/src/greet.c"
    echo 1.1 >"$1/VERSION"
}

# now: a clock in milliseconds (GNU date has %N; elsewhere, whole seconds).
now() {
    t=$(date +%s%N)
    case $t in
        *N) echo $(($(date +%s) * 1000)) ;;
        *) echo $((t / 1000000)) ;;
    esac
}

# compiled LOG: the objects a build log says were compiled, on one line.
compiled() {
    sed -n 's/^CC //p' "$1" | tr '\n' ' '
}

echo "== 1. prepare-checkpoint-build: snapshot hello-c, build it, snapshot the result"
fresh "$scratch/old"
(cd "$scratch/old" && "$prepare" "$scratch/checkpoint" -- make) >"$scratch/prepare.log"
sed 's/^/   /' "$scratch/prepare.log"

echo "== 2. new sources: a new greeting (src/greet.c), version 1.1 (VERSION -> gen/version.h)"
fresh "$scratch/new"
change_set "$scratch/new"

echo "== 3. checkpoint-build: restore the checkpoint's outputs, re-apply the changes; make"
# (Without a build command, checkpoint-build stops before the build: run make
# separately to time the two parts.)
t0=$(now)
(cd "$scratch/new" && "$rebuild" "$scratch/checkpoint") >"$scratch/restore.log"
t1=$(now)
(cd "$scratch/new" && make) >"$scratch/rebuild.log"
t2=$(now)
cat "$scratch/restore.log" "$scratch/rebuild.log" | sed 's/^/   /'

echo "== 4. clean build of the same sources, for comparison"
fresh "$scratch/clean"
change_set "$scratch/clean"
t3=$(now)
(cd "$scratch/clean" && make) >"$scratch/clean.log"
t4=$(now)

(cd "$scratch/new" && ./hello) >"$scratch/new.out"
(cd "$scratch/clean" && ./hello) >"$scratch/clean.out"

echo
echo "recompiled (incremental): $(compiled "$scratch/rebuild.log")"
echo "compiled (clean build):   $(compiled "$scratch/clean.log")"
echo
echo "the program now prints:"
sed 's/^/   /' "$scratch/new.out"
echo
if cmp -s "$scratch/new.out" "$scratch/clean.out"; then
    echo "same output as the clean build: yes"
else
    echo "same output as the clean build: NO" >&2
    diff "$scratch/clean.out" "$scratch/new.out" >&2 || true
    exit 1
fi
objects=$(($(compiled "$scratch/clean.log" | wc -w)))
echo "incremental build: $((t2 - t0)) ms = restore $((t1 - t0)) ms (treediff, treesync, applypatch)"
echo "                   + make $((t2 - t1)) ms ($(($(compiled "$scratch/rebuild.log" | wc -w))) of $objects objects compiled)"
echo "clean build:       $((t4 - t3)) ms (make, all $objects objects)"
