#!/bin/sh
# embed.sh NAME FILE: print a C file that defines NAME[] (FILE's bytes) and
# NAME_len, using only od and awk (no xxd).
set -eu
name=$1
printf '/* Generated from %s by scripts/embed.sh: do not edit. */\n' "$2"
printf 'const unsigned char %s[] = {\n' "$name"
od -An -v -tu1 "$2" | awk '
    { line = "   "; for (i = 1; i <= NF; i++) { line = line " " $i ","; n++ } print line }
    END { print "};"; print "const unsigned long '"$name"'_len = " n + 0 ";" }'
