#!/bin/sh
# show.sh: build the program and run it (a convenience for people; the build
# does not need it).
set -eu
cd "$(dirname "$0")/.."
make -s
./hello
