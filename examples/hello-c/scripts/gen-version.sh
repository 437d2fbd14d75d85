#!/bin/sh
# gen-version.sh TEMPLATE VERSION-FILE: print TEMPLATE with @VERSION@ replaced.
set -eu
version=$(cat "$2")
sed "s/@VERSION@/$version/g" "$1"
