#!/usr/bin/env bash
# Regenerates the golden cases of single-matrix pruning (lm/src/test/resources/lm-prune-golden): magnitude,
# Wanda and SparseGPT on seeded random weights and calibration inputs, computed in float64 by
# bin/peers/lm_prune_reference.py. Runs the reference's self-test first. Deterministic: the same seeds give the
# same bytes (one BLAS thread, so the float64 sums are always done in the same order), so a clean `git status`
# after running it shows the committed files are what this script makes. Needs numpy for /usr/bin/python3.
set -euo pipefail
cd "$(dirname "$0")/../.."
py=/usr/bin/python3
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
$py bin/peers/lm_prune_reference.py selftest >/dev/null || { echo "lm_prune_golden.sh: selftest failed (run: $py bin/peers/lm_prune_reference.py selftest)" >&2; exit 1; }
out=lm/src/test/resources/lm-prune-golden
rm -rf "$out"
$py bin/peers/lm_prune_reference.py golden --out "$out"
du -sh "$out"
