#!/usr/bin/env bash
# Regenerates the golden logits of the language-model forward (lm/src/test/resources/lm-golden) and
# runs the reference's self-test first. Deterministic: the same seeds give the same bytes, so a clean
# `git status` after running it shows the committed files are what this script makes.
# Needs Debian's python3-torch and python3-numpy for /usr/bin/python3.
set -euo pipefail
cd "$(dirname "$0")/../.."
py=/usr/bin/python3
$py bin/peers/lm_reference.py selftest >/dev/null || { echo "lm_golden.sh: selftest failed (run: $py bin/peers/lm_reference.py selftest)" >&2; exit 1; }
out=lm/src/test/resources/lm-golden
rm -rf "$out"
$py bin/peers/lm_reference.py golden --out "$out"
du -sh "$out"
